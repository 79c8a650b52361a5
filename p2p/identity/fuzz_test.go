package identity

import (
	"bytes"
	"testing"
)

func FuzzLoadKey(f *testing.F) {
	k := fixedKey(f)
	good, err := encode(k)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("-----BEGIN SCATTERBYTES IDENTITY KEY-----\n-----END SCATTERBYTES IDENTITY KEY-----\n"))
	f.Add(bytes.Replace(good, []byte("KEY-----\n"), []byte("KEY-----\nProc-Type: 4\n\n"), 1))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := decode(data)
		if err != nil {
			if !k.IsZero() {
				t.Fatal("error with a key")
			}
			return
		}
		// Whatever decodes must re-encode to an equivalent key.
		again, err := encode(k)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := decode(again)
		if err != nil || k2.PeerID() != k.PeerID() {
			t.Fatalf("round trip: %v, %v", k2, err)
		}
		msg := []byte("m")
		sig, _ := k.Sign(msg)
		if ok, _ := k.PubKey().Verify(msg, sig); !ok {
			t.Fatal("decoded key signs for another public key")
		}
	})
}
