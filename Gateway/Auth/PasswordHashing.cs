using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// Password hashing (ASP.NET Core Identity's V3 format: PBKDF2-HMAC-SHA512 with the configured
/// iterations) on a few dedicated threads, never on the thread pool.
/// </summary>
/// <remarks>
/// PBKDF2 at 210,000 iterations holds a core for tens of milliseconds. Run on request threads,
/// 32 parallel logins starved the pool and even <c>/healthz</c> waited seconds. Here at most
/// <see cref="AuthOptions.PasswordHashConcurrency"/> hashes run at once, each on its own thread; up
/// to <see cref="AuthOptions.PasswordHashQueueLimit"/> more wait, and past that callers are
/// refused with <c>unavailable</c> at once instead of queueing without bound.
/// </remarks>
public sealed class PasswordHashing : IDisposable
{
    private static readonly object User = new();

    private readonly PasswordHasher<object> _hasher;
    private readonly BlockingCollection<Action> _queue;
    private readonly Thread[] _threads;
    private readonly Task<string> _dummyHash;

    public PasswordHashing(IOptions<AuthOptions> options)
    {
        var o = options.Value;
        Iterations = o.PasswordHashIterations;
        _hasher = new PasswordHasher<object>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = o.PasswordHashIterations,
        }));
        _queue = new BlockingCollection<Action>(o.PasswordHashQueueLimit);
        Concurrency = o.PasswordHashConcurrency > 0 ? o.PasswordHashConcurrency : Environment.ProcessorCount;
        _threads = new Thread[Concurrency];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"password-hashing-{i}" };
            _threads[i].Start();
        }

        // What a login of an unknown username is checked against, so that it costs what a known
        // one does: made with the configured iterations from a password nobody knows.
        _dummyHash = Run(() => _hasher.HashPassword(User, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))), refuseWhenFull: false);
    }

    public int Iterations { get; }

    public int Concurrency { get; }

    /// <summary>A new hash of <paramref name="password"/>.</summary>
    /// <exception cref="ChatException"><c>unavailable</c> when too many hashes are waiting.</exception>
    public Task<string> HashAsync(string password) => Run(() => _hasher.HashPassword(User, password), refuseWhenFull: true);

    /// <summary>
    /// Checks <paramref name="password"/> against <paramref name="storedHash"/>; with no stored hash,
    /// against the dummy one (always <see cref="PasswordVerificationResult.Failed"/>, at the same cost).
    /// <see cref="PasswordVerificationResult.SuccessRehashNeeded"/> when the stored hash has fewer
    /// iterations than configured or an older format.
    /// </summary>
    /// <exception cref="ChatException"><c>unavailable</c> when too many hashes are waiting.</exception>
    public async Task<PasswordVerificationResult> VerifyAsync(string? storedHash, string password)
    {
        var hash = storedHash ?? await _dummyHash.ConfigureAwait(false);
        var result = await Run(() => Verify(hash, password), refuseWhenFull: true).ConfigureAwait(false);
        return storedHash is null ? PasswordVerificationResult.Failed : result;
    }

    public void Dispose() => _queue.CompleteAdding();

    private PasswordVerificationResult Verify(string hash, string password)
    {
        try
        {
            return _hasher.VerifyHashedPassword(User, hash, password);
        }
        catch (FormatException)
        {
            // A stored hash that is not base64 matches nothing.
            return PasswordVerificationResult.Failed;
        }
    }

    private Task<T> Run<T>(Func<T> work, bool refuseWhenFull)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Item()
        {
            try
            {
                completion.TrySetResult(work());
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        }

        bool queued;
        try
        {
            queued = refuseWhenFull ? _queue.TryAdd(Item) : _queue.TryAdd(Item, Timeout.Infinite);
        }
        catch (InvalidOperationException)
        {
            throw new ChatException(ErrorCodes.Unavailable, "The server is shutting down; try again.");
        }

        if (!queued)
        {
            throw new ChatException(ErrorCodes.Unavailable, "Too many sign-ins at once; try again in a moment.");
        }

        return completion.Task;
    }

    private void Work()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            item();
        }
    }
}
