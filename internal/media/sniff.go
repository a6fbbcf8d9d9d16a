package media

import "bytes"

// SniffLength is how much of the start of a file Extension reads: enough
// for a transport stream's second packet.
const SniffLength = 189

// Extension names the container of a file, from its first bytes (at least
// SniffLength of them where the file has as many), as a file name's ending
// with its dot: ".mp4", ".mov", ".webm", ... among the containers uploads
// are accepted in (inputFormats); ".bin" for anything else. A person's
// download of their originals names each by what it is.
func Extension(head []byte) string {
	at := func(off int, magic string) bool {
		return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
	}
	switch {
	case at(4, "ftyp"):
		switch {
		case at(8, "qt  "):
			return ".mov"
		case at(8, "3g"):
			return ".3gp"
		}
		return ".mp4"
	case at(4, "moov"), at(4, "mdat"), at(4, "wide"), at(4, "free"), at(4, "skip"):
		return ".mov" // QuickTime before ftyp existed
	case at(0, "\x1a\x45\xdf\xa3"):
		if bytes.Contains(head, []byte("webm")) {
			return ".webm"
		}
		return ".mkv"
	case at(0, "RIFF") && at(8, "AVI "):
		return ".avi"
	case at(0, "FLV"):
		return ".flv"
	case at(0, "OggS"):
		return ".ogv"
	case at(0, "\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
		return ".wmv"
	case at(0, "\x00\x00\x01\xba"), at(0, "\x00\x00\x01\xb3"):
		return ".mpg"
	case at(0, "\x47") && at(188, "\x47"):
		return ".ts" // an MPEG transport stream: a sync byte every 188
	}
	return ".bin"
}
