namespace ChatOrleans;

/// <summary>
/// One upload (key: media id): its owner, the declared and the checked type and size, its status
/// (pending → ready | rejected), its preview, and the chats it was attached to. Refusals are
/// <see cref="ChatException"/>s with the protocol's codes.
/// </summary>
[Alias("ChatOrleans.IMediaGrain")]
public interface IMediaGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens the upload: <c>unsupported_type</c> for a type outside the allowed list,
    /// <c>too_large</c> over the size limit, <c>bad_request</c> for a bad name or size.
    /// </summary>
    [Alias("Create")]
    Task<MediaInfo> Create(string ownerId, string fileName, string contentType, long sizeBytes);

    /// <summary>
    /// Checks the uploaded bytes (real type, size) and makes the preview: the media is then
    /// ready or rejected. <c>conflict</c> when nothing was uploaded yet; only the owner may complete.
    /// A completed media answers as it is. From then on the upload URL changes and leaves nothing.
    /// </summary>
    [Alias("Complete")]
    [ResponseTimeout("00:02:00")]
    Task<MediaInfo> Complete(string requesterId);

    /// <summary>
    /// The local-disk store's gateway received a whole PUT to the upload URL as the part file
    /// <paramref name="partName"/> beside the media's objects: renames it into the upload's place
    /// while the media waits for its upload (true). False after complete, for an unknown media,
    /// or with another store: the caller removes the part and refuses the PUT. Runs in the
    /// grain's turn, like <see cref="Complete"/>, so a PUT lands wholly before complete or not at all.
    /// </summary>
    [Alias("PlaceLocalUpload")]
    Task<bool> PlaceLocalUpload(string partName);

    /// <summary>The media for someone who holds a message that carries it; <c>not_found</c> when unknown.</summary>
    [Alias("Get")]
    Task<MediaInfo> Get();

    /// <summary>The media for its owner or a member of a chat it was attached to (<c>forbidden</c> otherwise).</summary>
    [Alias("GetFor")]
    Task<MediaInfo> GetFor(string requesterId);

    /// <summary>
    /// Records that the sender attaches it to a message of the chat: <c>forbidden</c> unless
    /// the sender owns it, <c>conflict</c> unless it is ready, <c>not_found</c> when unknown.
    /// </summary>
    [Alias("Attach")]
    Task<MediaInfo> Attach(string senderId, string chatId);

    /// <summary>
    /// Removes the media and its stored objects when it was never attached and was created
    /// before <paramref name="createdBefore"/>, or when the grain knows nothing of it (objects
    /// left behind). Returns whether it removed anything.
    /// </summary>
    [Alias("SweepIfUnattached")]
    Task<bool> SweepIfUnattached(DateTimeOffset createdBefore);
}
