package recommend

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"

	flick "github.com/flick-video/flick"
)

// For You's cursor carries the session with it, so that any HTTP node can
// serve the next page and none needs to remember anything: the number of
// slots served (to keep the rhythm of fresh-upload slots) and a 24-bit
// fingerprint of every video served, oldest first. Three bytes a video
// keep a page of 10 at 40 characters of cursor; a served ID is compared
// with at most maxSeen fingerprints, so an unseen video is mistaken for a
// seen one (and skipped, never repeated) with a chance under 1000/2^24.
// Past maxSeen videos in one session the oldest are forgotten, which
// bounds the cursor at about 4 KB; a signed-in viewer still never sees
// those again if they watched them through.
const (
	cursorVersion = 1
	maxSeen       = 1000
	fpBytes       = 3
)

var maxCursorLen = base64.RawURLEncoding.EncodedLen(1 + binary.MaxVarintLen64 + maxSeen*fpBytes)

type cursor struct {
	served int
	fps    []uint32 // fingerprints of the videos served, oldest first
	set    map[uint32]bool
}

func fingerprint(id string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32() & (1<<(8*fpBytes) - 1)
}

func (c *cursor) seen(id string) bool { return c.set[fingerprint(id)] }

// add records a served video, forgetting the oldest past maxSeen.
func (c *cursor) add(id string) {
	c.served++
	c.fps = append(c.fps, fingerprint(id))
	if len(c.fps) > maxSeen {
		c.fps = c.fps[len(c.fps)-maxSeen:]
	}
}

func (c cursor) encode() string {
	b := []byte{cursorVersion}
	b = binary.AppendUvarint(b, uint64(c.served))
	for _, fp := range c.fps {
		b = append(b, byte(fp>>16), byte(fp>>8), byte(fp))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a cursor from a client, which may be anything.
func decodeCursor(s string) (cursor, error) {
	c := cursor{set: map[uint32]bool{}}
	if s == "" {
		return c, nil
	}
	invalid := flick.Errorf(flick.EINVALID, "Cursor is not valid.")
	if len(s) > maxCursorLen {
		return c, invalid
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != cursorVersion {
		return c, invalid
	}
	served, n := binary.Uvarint(b[1:])
	rest := b[1+max(n, 0):]
	if n <= 0 || served > 1<<31 || len(rest)%fpBytes != 0 || uint64(len(rest)/fpBytes) > served {
		return c, invalid
	}
	c.served = int(served)
	for i := 0; i < len(rest); i += fpBytes {
		fp := uint32(rest[i])<<16 | uint32(rest[i+1])<<8 | uint32(rest[i+2])
		c.fps = append(c.fps, fp)
		c.set[fp] = true
	}
	return c, nil
}
