package identity

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// testSeed is the fixed seed behind testdata/identity.key.
func testSeed() []byte {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	return seed
}

func fixedKey(t testing.TB) Key {
	t.Helper()
	k, err := FromEd25519(ed25519.NewKeyFromSeed(testSeed()))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyConsistent(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(k.PubKey())
	if err != nil || id != k.PeerID() {
		t.Fatalf("IDFromPublicKey = %s, %v; PeerID = %s", id, err, k.PeerID())
	}
	id2, err := peer.IDFromPrivateKey(k.LibP2P())
	if err != nil || id2 != k.PeerID() {
		t.Fatalf("IDFromPrivateKey = %s, %v; PeerID = %s", id2, err, k.PeerID())
	}
	if k.LibP2P().Type() != crypto.Ed25519 {
		t.Fatalf("LibP2P type = %v", k.LibP2P().Type())
	}
	msg := []byte("scatter")
	sig, err := k.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := k.PubKey().Verify(msg, sig); !ok || err != nil {
		t.Fatalf("libp2p Verify = %v, %v", ok, err)
	}
	if !ed25519.Verify(k.Ed25519().Public().(ed25519.PublicKey), msg, sig) {
		t.Fatal("ed25519.Verify failed")
	}
	// Ed25519 returns a copy: scribbling on it must not change the key.
	e := k.Ed25519()
	e[0] ^= 0xff
	if sig2, _ := k.Sign(msg); !bytes.Equal(sig, sig2) {
		t.Fatal("Ed25519() aliases the key")
	}
}

func TestZeroKey(t *testing.T) {
	var k Key
	if !k.IsZero() || k.PubKey() != nil || k.LibP2P() != nil || k.Ed25519() != nil {
		t.Fatal("zero key is not empty")
	}
	if _, err := k.Sign(nil); err == nil {
		t.Fatal("zero key signed")
	}
	if got := fmt.Sprint(k); got != "identity.Key(<none>)" {
		t.Fatalf("zero key prints %q", got)
	}
}

func TestFromEd25519Rejects(t *testing.T) {
	good := ed25519.NewKeyFromSeed(testSeed())
	mismatched := append(ed25519.PrivateKey(nil), good...)
	mismatched[40] ^= 1
	tests := []struct {
		name string
		priv ed25519.PrivateKey
	}{
		{"short", good[:32]},
		{"long", append(append(ed25519.PrivateKey(nil), good...), 0)},
		{"public half not from seed", mismatched},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FromEd25519(tc.priv); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestKeyNotPrintable(t *testing.T) {
	k := fixedKey(t)
	raw := k.Ed25519()
	seed := raw.Seed()
	marshalled, err := crypto.MarshalPrivateKey(k.LibP2P())
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("key", "k", k)
	outputs := map[string]string{
		"formats":   fmt.Sprintf("%v %+v %#v %s %x %X %q %d", k, k, k, k, k, k, k, k),
		"pointer":   fmt.Sprintf("%v %+v %#v", &k, &k, &k),
		"in struct": fmt.Sprintf("%v %+v %#v", struct{ K Key }{k}, struct{ K Key }{k}, struct{ K Key }{k}),
		"slog":      logBuf.String(),
	}
	secrets := map[string][]byte{"seed": seed, "private key": raw, "libp2p encoding": marshalled}
	for oname, out := range outputs {
		if !strings.Contains(out, k.PeerID().String()) {
			t.Errorf("%s output %q does not name the peer", oname, out)
		}
		for sname, s := range secrets {
			for _, enc := range []string{
				hex.EncodeToString(s), strings.ToUpper(hex.EncodeToString(s)),
				base64.StdEncoding.EncodeToString(s), base64.RawURLEncoding.EncodeToString(s),
				fmt.Sprint(s), fmt.Sprint([]byte(s[:8])),
			} {
				if strings.Contains(out, enc) {
					t.Errorf("%s output leaks the %s as %q", oname, sname, enc)
				}
			}
		}
	}
}
