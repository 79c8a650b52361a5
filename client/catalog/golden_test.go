package catalog

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// TestGoldenEntry pins the entry encoding, the hashed database keys and
// the sealing (with the random nonce replaced by zeros). Master key 0x01 ×
// 32; entries from testEntry.
func TestGoldenEntry(t *testing.T) {
	mk := testMaster(t, 1)
	aead, err := newAEAD(mk)
	if err != nil {
		t.Fatal(err)
	}
	ix := index{key: mk.Derive(indexContext)}
	var out bytes.Buffer
	for _, e := range []Entry{
		testEntry(t, DefaultVolume, "photos/2026/a.jpg"),
		edited(t, "vol", "ünïcode", func(e *Entry) {
			e.Created = e.Created.AddDate(-3000, 0, 0) // negative milliseconds
			e.Size = 0
			e.Redundancy = "1+2"
		}),
		edited(t, "v", "unknown time", func(e *Entry) { e.Created = time.Time{} }),
	} {
		plain := encodeEntry(&e)
		if got, err := decodeEntry(plain); err != nil || sameEntry(got, e) != "" {
			t.Fatalf("%s/%s does not decode back: %v %s", e.Volume, e.Name, err, sameEntry(got, e))
		}
		key := ix.entryKey(e.Volume, e.Name)
		nonce := make([]byte, nonceSize)
		fmt.Fprintf(&out, "# %q in volume %q\nref %s\nplain %x\nkey %x\nsealed %x\n",
			e.Name, e.Volume, e.Ref.Encode(), plain, key, aead.Seal(nonce, nonce, plain, key))
	}
	fmt.Fprintf(&out, "# journal %q\nkey %x\n", "up-1", ix.journalKey("up-1"))
	hdr := append(append([]byte(nil), versionMagic...), Version)
	nonce := make([]byte, nonceSize)
	fmt.Fprintf(&out, "# version record\n%x\n", append(hdr, aead.Seal(nonce, nonce, nil, versionAAD(hdr))...))
	golden.Check(t, "entry-v1.golden", out.Bytes())
}

func edited(t *testing.T, volume, name string, edit func(*Entry)) Entry {
	t.Helper()
	e := testEntry(t, volume, name)
	edit(&e)
	return e
}
