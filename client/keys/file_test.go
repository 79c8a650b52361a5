package keys

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// cheapKDF keeps tests fast; the format does not care.
var cheapKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func TestMasterFile(t *testing.T) {
	for _, tc := range []struct {
		name       string
		save, load string
		want       error
	}{
		{"plain", "", "", nil},
		{"passphrase", "correct horse", "correct horse", nil},
		{"wrong passphrase", "correct horse", "battery staple", ErrBadPassphrase},
		{"missing passphrase", "correct horse", "", ErrNeedPassphrase},
		{"unexpected passphrase", "", "correct horse", ErrNoPassphrase},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			k := GenerateMaster()
			if err := SaveMasterKDF(path, k, []byte(tc.save), cheapKDF); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("stat = %v, %v; want mode 0600", st.Mode(), err)
			}
			got, err := LoadMaster(path, []byte(tc.load))
			if !errors.Is(err, tc.want) {
				t.Fatalf("LoadMaster = %v, want %v", err, tc.want)
			}
			if tc.want == nil && !got.Equal(k) {
				t.Fatal("loaded a different key")
			}
			if tc.want != nil && !got.IsZero() {
				t.Fatal("failed load returned key material")
			}
			if err := SaveMasterKDF(path, GenerateMaster(), nil, cheapKDF); !errors.Is(err, ErrExists) {
				t.Fatalf("overwrite = %v, want ErrExists", err)
			}
			if again, _ := LoadMaster(path, []byte(tc.save)); !again.Equal(k) {
				t.Fatal("refused overwrite still changed the file")
			}
			if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".masterkey-*")); len(m) != 0 {
				t.Fatalf("temporary files left: %v", m)
			}
		})
	}
}

func TestLoadMasterRefusesOpenPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	if err := SaveMaster(path, GenerateMaster(), nil); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		os.Chmod(path, mode)
		_, err := LoadMaster(path, nil)
		if !errors.Is(err, ErrPermissions) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %#o: err = %v", mode, err)
		}
	}
	os.Chmod(path, 0o400)
	if _, err := LoadMaster(path, nil); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
}

func TestKDFBoundsRefused(t *testing.T) {
	for _, p := range []KDFParams{{0, 64, 1}, {65, 64, 1}, {1, 7, 1}, {1, 5 << 20, 1}, {1, 64, 0}} {
		if err := SaveMasterKDF(filepath.Join(t.TempDir(), "k"), GenerateMaster(), []byte("p"), p); !errors.Is(err, ErrBadKeyFile) {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

// The golden files pin the on-disk format: their key is 0x00..0x1f and the
// protected one's passphrase is "golden" (cheap KDF parameters).
func TestMasterGolden(t *testing.T) {
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(i)
	}
	want, _ := MasterKeyFromBytes(raw)
	for _, tc := range []struct{ file, pass string }{
		{"master-plain.golden", ""},
		{"master-argon2id.golden", "golden"},
	} {
		path := filepath.Join("testdata", tc.file)
		if *golden.Update {
			os.Remove(path)
			if err := SaveMasterKDF(path, want, []byte(tc.pass), cheapKDF); err != nil {
				t.Fatal(err)
			}
		}
		os.Chmod(path, 0o600) // git does not keep the mode
		got, err := LoadMaster(path, []byte(tc.pass))
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v", tc.file, err)
		}
	}
}

func FuzzDecodeMaster(f *testing.F) {
	for _, name := range []string{"master-plain.golden", "master-argon2id.golden"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// No passphrase: parse everything up to the KDF, never run it on
		// fuzzer-chosen parameters.
		k, err := decodeMaster(b, nil)
		if err == nil && len(b) != plainFileSize {
			t.Fatalf("accepted %d bytes", len(b))
		}
		if err != nil && !k.IsZero() {
			t.Fatal("key material on error")
		}
	})
}
