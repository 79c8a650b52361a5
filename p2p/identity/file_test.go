package identity

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

func keyPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "sub", "identity.key")
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := keyPath(t)
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(path, k); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Fatalf("mode = %#o, want 0600", perm)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.PeerID() != k.PeerID() || !bytes.Equal(got.Ed25519(), k.Ed25519()) {
		t.Fatalf("loaded %v, saved %v", got, k)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the key (temp file left behind?)", len(entries))
	}
}

func TestSaveRefusesOverwrite(t *testing.T) {
	path := keyPath(t)
	k1, _ := Generate()
	k2, _ := Generate()
	if err := Save(path, k1); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, k2); !errors.Is(err, ErrExists) {
		t.Fatalf("second Save = %v, want ErrExists", err)
	}
	got, err := Load(path)
	if err != nil || got.PeerID() != k1.PeerID() {
		t.Fatalf("key replaced: %v, %v", got, err)
	}
}

func TestLoadErrors(t *testing.T) {
	k := fixedKey(t)
	good, err := encode(k)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		content  []byte // nil: no file
		mode     os.FileMode
		want     error
		mentions []string
	}{
		{"missing", nil, 0, ErrNoKey, []string{"scatterbytes init"}},
		{"world readable", good, 0o644, ErrKeyPermissions, []string{"chmod 600", "identity.key"}},
		{"group readable", good, 0o640, ErrKeyPermissions, []string{"chmod 600"}},
		{"garbage", []byte("hello"), 0o600, ErrBadKey, nil},
		{"wrong PEM type", bytes.Replace(good, []byte("SCATTERBYTES IDENTITY KEY"), []byte("PRIVATE KEY"), 2), 0o600, ErrBadKey, nil},
		{"trailing data", append(append([]byte(nil), good...), "x"...), 0o600, ErrBadKey, nil},
		{"two blocks", append(append([]byte(nil), good...), good...), 0o600, ErrBadKey, nil},
		{"rsa key", readTestdata(t, "rsa.key"), 0o600, ErrBadKey, []string{"RSA"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "identity.key")
			if tc.content != nil {
				if err := os.WriteFile(path, tc.content, tc.mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tc.mode); err != nil { // beat the umask
					t.Fatal(err)
				}
			}
			_, err := Load(path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Load = %v, want %v", err, tc.want)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := keyPath(t)
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1.PeerID() != k2.PeerID() {
		t.Fatalf("second LoadOrCreate made a new key: %v then %v", k1, k2)
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGoldenKeyFile pins the on-disk format described in doc.go.
func TestGoldenKeyFile(t *testing.T) {
	k := fixedKey(t)
	got, err := encode(k)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join("testdata", "identity.key")
	if *golden.Update {
		if err := os.WriteFile(keyPath, got, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "identity.peer"), []byte(k.PeerID().String()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readTestdata(t, "identity.key")
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding changed:\n got %s\nwant %s", got, want)
	}
	back, err := decode(want)
	if err != nil || back.PeerID() != k.PeerID() {
		t.Fatalf("decode golden = %v, %v", back, err)
	}
	if idWant := strings.TrimSpace(string(readTestdata(t, "identity.peer"))); k.PeerID().String() != idWant {
		t.Fatalf("peer ID = %s, golden %s", k.PeerID(), idWant)
	}
}
