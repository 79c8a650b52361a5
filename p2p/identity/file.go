package identity

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Save writes k to path with mode 0600, atomically, creating missing parent
// directories with mode 0700. It never replaces an existing file: if path
// exists it returns an error wrapping ErrExists.
func Save(path string, k Key) error {
	data, err := encode(k)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save identity key: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		return existsError(path)
	}
	tmp, err := os.CreateTemp(dir, ".identity-*.tmp")
	if err != nil {
		return fmt.Errorf("save identity key: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a successful link this removes only the temp name
	if err := writeSync(tmp, data); err != nil {
		return fmt.Errorf("save identity key %s: %w", path, err)
	}
	if err := install(tmpName, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// writeSync writes data, restricts the mode and flushes it to disk.
func writeSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// install moves tmp to path without ever replacing path. A hard link fails
// atomically if path exists; where hard links are unsupported we fall back
// to a checked rename, which has a small race we accept.
func install(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return existsError(path)
	}
	if _, serr := os.Lstat(path); serr == nil {
		return existsError(path)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save identity key %s: %w", path, err)
	}
	return nil
}

func existsError(path string) error {
	return fmt.Errorf("%w: %s; refusing to overwrite an identity (move it away first if you really mean to replace it)", ErrExists, path)
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Load reads the key at path. A missing file gives ErrNoKey, a file readable
// by group or others ErrKeyPermissions, anything but an Ed25519 key ErrBadKey.
func Load(path string) (Key, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Key{}, fmt.Errorf("%w at %s; run `scatterbytes init` to create one", ErrNoKey, path)
	}
	if err != nil {
		return Key{}, fmt.Errorf("load identity key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Key{}, fmt.Errorf("load identity key: %w", err)
	}
	if !st.Mode().IsRegular() {
		return Key{}, fmt.Errorf("%w: %s is not a regular file", ErrBadKey, path)
	}
	// Windows has no Unix permission bits; its ACLs are out of our reach.
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return Key{}, fmt.Errorf("%w: %s has mode %#o and may be read by other users; run `chmod 600 %s`",
			ErrKeyPermissions, path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return Key{}, fmt.Errorf("load identity key %s: %w", path, err)
	}
	k, err := decode(data)
	if err != nil {
		return Key{}, fmt.Errorf("load identity key %s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreate loads the key at path, or generates and saves a new one if
// there is none. It is safe against a concurrent creator: whoever saves
// first wins and the other loads that key.
func LoadOrCreate(path string) (Key, error) {
	k, err := Load(path)
	if !errors.Is(err, ErrNoKey) {
		return k, err
	}
	k, err = Generate()
	if err != nil {
		return Key{}, err
	}
	err = Save(path, k)
	if errors.Is(err, ErrExists) {
		return Load(path)
	}
	if err != nil {
		return Key{}, err
	}
	return k, nil
}
