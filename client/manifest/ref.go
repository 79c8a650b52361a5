package manifest

import (
	"encoding/base32"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/zeebo/blake3"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/store"
)

// RefPrefix starts every version 1 reference string.
const RefPrefix = "sb1"

const checkSize = 4

var refEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Ref names a file and is the capability to read it: the root manifest
// chunk's ID and the file key. See doc.go for the string form.
type Ref struct {
	Manifest cid.Cid
	Key      keys.FileKey
}

// Encode returns the full reference string, key included. Show it to the
// user or store it encrypted; never log it.
func (r Ref) Encode() string {
	raw := r.Key.Raw()
	payload := append(r.Manifest.Bytes(), raw[:]...)
	clear(raw[:])
	payload = append(payload, refCheck(payload)...)
	s := RefPrefix + refEncoding.EncodeToString(payload)
	clear(payload)
	return s
}

// String identifies the reference without revealing the key.
func (r Ref) String() string { return "manifest.Ref(" + r.Manifest.String() + ", key redacted)" }

// LogValue keeps slog from reflecting into the key.
func (r Ref) LogValue() slog.Value { return slog.StringValue(r.String()) }

func refCheck(payload []byte) []byte {
	h := blake3.New()
	h.Write([]byte(RefPrefix))
	h.Write(payload)
	return h.Sum(nil)[:checkSize]
}

// ParseRef parses a reference string made by Encode. Errors wrap ErrBadRef
// and say what is wrong.
func ParseRef(s string) (Ref, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.HasPrefix(s, RefPrefix) {
		if strings.HasPrefix(s, "sb") && len(s) > 2 {
			return Ref{}, fmt.Errorf("%w: version %q not supported (this client reads %q)", ErrBadRef, s[2:3], RefPrefix)
		}
		return Ref{}, fmt.Errorf("%w: does not start with %q", ErrBadRef, RefPrefix)
	}
	payload, err := refEncoding.DecodeString(s[len(RefPrefix):])
	if err != nil {
		return Ref{}, fmt.Errorf("%w: not base32: %v", ErrBadRef, err)
	}
	defer clear(payload)
	if len(payload) < keys.KeySize+checkSize+1 {
		return Ref{}, fmt.Errorf("%w: %d bytes is too short", ErrBadRef, len(payload))
	}
	body, check := payload[:len(payload)-checkSize], payload[len(payload)-checkSize:]
	if string(refCheck(body)) != string(check) {
		return Ref{}, fmt.Errorf("%w: checksum mismatch (mistyped or cut short?)", ErrBadRef)
	}
	if refEncoding.EncodeToString(payload) != s[len(RefPrefix):] {
		return Ref{}, fmt.Errorf("%w: not canonical base32", ErrBadRef)
	}
	idBytes, key := body[:len(body)-keys.KeySize], body[len(body)-keys.KeySize:]
	id, err := cid.Cast(idBytes)
	if err != nil {
		return Ref{}, fmt.Errorf("%w: bad CID: %v", ErrBadRef, err)
	}
	if err := store.CheckID(id); err != nil {
		return Ref{}, fmt.Errorf("%w: %v", ErrBadRef, err)
	}
	k, err := keys.FileKeyFromBytes(key)
	if err != nil {
		return Ref{}, fmt.Errorf("%w: %v", ErrBadRef, err)
	}
	return Ref{Manifest: id, Key: k}, nil
}
