// Uploading a file: open an upload, PUT the bytes to the signed URL with exactly the headers the
// server gave (XMLHttpRequest, for progress), then complete it and get the checked media back.

export function uploadFile(api, file, onProgress) {
  let xhr = null;
  let cancelled = false;
  const promise = (async () => {
    const upload = await api.createUpload(file);
    if (cancelled) throw new Error('Cancelled.');
    await new Promise((resolve, reject) => {
      xhr = new XMLHttpRequest();
      xhr.open(upload.upload_method || 'PUT', upload.upload_url);
      for (const [name, value] of Object.entries(upload.upload_headers ?? {})) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`The upload failed (${xhr.status}).`)));
      xhr.onerror = () => reject(new Error('The upload failed: the network went away.'));
      xhr.onabort = () => reject(new Error('Cancelled.'));
      xhr.send(file);
    });
    onProgress(1);
    const media = await api.completeUpload(upload.media_id);
    if (media.status !== 'ready') throw new Error(media.reject_reason || 'The server refused this file.');
    return media;
  })();
  return {
    promise,
    cancel() { cancelled = true; xhr?.abort(); },
  };
}
