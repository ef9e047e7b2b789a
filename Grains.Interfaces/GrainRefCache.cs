using System.Collections.Concurrent;

namespace ChatOrleans;

/// <summary>
/// Grain references by key, each made once. <see cref="IGrainFactory.GetGrain{TGrainInterface}(string, string?)"/>
/// resolves the interface's grain type through its attributes on every call, which showed up in
/// profiles of the send and delivery paths. References are immutable, so they can be shared.
/// Bounded: past <c>capacity</c> keys the cache starts over rather than grow with every user.
/// </summary>
public sealed class GrainRefCache<T>(IGrainFactory factory, int capacity = 4096)
    where T : IGrainWithStringKey
{
    private readonly ConcurrentDictionary<string, T> _refs = new(StringComparer.Ordinal);

    public T this[string key]
    {
        get
        {
            if (_refs.TryGetValue(key, out var known))
            {
                return known;
            }

            if (_refs.Count >= capacity)
            {
                _refs.Clear();
            }

            return _refs.GetOrAdd(key, factory.GetGrain<T>(key));
        }
    }
}
