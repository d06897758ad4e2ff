package feed

import "strings"

// mediaTypes are the media files feedpub knows by extension: images,
// audio, video and documents. They are the enclosure types guessed from a
// URL, the files an article's page bundle may carry, and the types those
// files are served with, the same on every machine whatever its MIME
// tables say.
var mediaTypes = map[string]string{
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg",
	".oga": "audio/ogg", ".opus": "audio/ogg", ".flac": "audio/flac", ".wav": "audio/wav",
	".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml",
	".pdf": "application/pdf", ".epub": "application/epub+zip", ".zip": "application/zip",
}

// MediaTypeByExt returns the media type of a media file with extension
// ext (".mp3", in any case), or "" when it is not one feedpub knows.
func MediaTypeByExt(ext string) string {
	return mediaTypes[strings.ToLower(ext)]
}
