package keys

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Layout of the key file; see doc.go.
const (
	magic          = "SBMK"
	fileVersion    = 1
	modePlain      = 0
	modePassphrase = 1
	saltSize       = 16
	nonceSize      = 12
	headerSize     = 6
	plainFileSize  = headerSize + KeySize
	wrapHeaderSize = headerSize + 4 + 4 + 1 + saltSize + nonceSize
	wrapFileSize   = wrapHeaderSize + KeySize + 16
)

// SaveMaster writes k to path with mode 0600, wrapped under passphrase with
// DefaultKDF, or in plain if passphrase is empty. It never overwrites an
// existing file (ErrExists).
func SaveMaster(path string, k MasterKey, passphrase []byte) error {
	return SaveMasterKDF(path, k, passphrase, DefaultKDF)
}

// SaveMasterKDF is SaveMaster with explicit argon2id parameters (tests use
// cheap ones).
func SaveMasterKDF(path string, k MasterKey, passphrase []byte, p KDFParams) error {
	data, err := encodeMaster(k, passphrase, p)
	if err != nil {
		return err
	}
	defer clear(data)
	return writeNew(path, data)
}

func encodeMaster(k MasterKey, passphrase []byte, p KDFParams) ([]byte, error) {
	if len(passphrase) == 0 {
		b := append([]byte(magic), fileVersion, modePlain)
		return append(b, k.s.b[:]...), nil
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	h := make([]byte, wrapHeaderSize, wrapFileSize)
	copy(h, magic)
	h[4], h[5] = fileVersion, modePassphrase
	binary.BigEndian.PutUint32(h[6:], p.Time)
	binary.BigEndian.PutUint32(h[10:], p.MemoryKiB)
	h[14] = p.Threads
	salt, nonce := h[15:15+saltSize], h[15+saltSize:wrapHeaderSize]
	rand.Read(salt)
	rand.Read(nonce)
	aead := wrapAEAD(p.key(passphrase, salt))
	return aead.Seal(h, nonce, k.s.b[:], h), nil
}

func wrapAEAD(kek []byte) cipher.AEAD {
	defer clear(kek)
	block, err := aes.NewCipher(kek)
	if err != nil {
		panic(err) // kek is always 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// writeNew writes data to a temporary file beside path, syncs it and links
// it into place, so path either does not exist or holds all of data.
func writeNew(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".masterkey-*")
	if err != nil {
		return fmt.Errorf("save master key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save master key: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("save master key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("save master key: %s: %w", path, ErrExists)
		}
		return fmt.Errorf("save master key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// LoadMaster reads the master key at path. The file must not be accessible
// to group or others (ErrPermissions). If the file is protected, passphrase
// must open it (ErrNeedPassphrase, ErrBadPassphrase); if it is not, the
// passphrase must be empty (ErrNoPassphrase).
func LoadMaster(path string, passphrase []byte) (MasterKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return MasterKey{}, fmt.Errorf("load master key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return MasterKey{}, fmt.Errorf("load master key: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return MasterKey{}, fmt.Errorf("load master key: %w: %s has mode %#o; run: chmod 600 %s", ErrPermissions, path, perm, path)
	}
	buf := make([]byte, wrapFileSize+1)
	n, _ := f.ReadAt(buf, 0)
	defer clear(buf)
	k, err := decodeMaster(buf[:n], passphrase)
	if err != nil {
		return MasterKey{}, fmt.Errorf("load master key %s: %w", path, err)
	}
	return k, nil
}

func decodeMaster(b, passphrase []byte) (MasterKey, error) {
	var k MasterKey
	if len(b) < headerSize || !bytes.Equal(b[:4], []byte(magic)) {
		return k, ErrBadKeyFile
	}
	if b[4] != fileVersion {
		return k, fmt.Errorf("%w: version %d", ErrBadKeyFile, b[4])
	}
	switch b[5] {
	case modePlain:
		if len(b) != plainFileSize {
			return k, fmt.Errorf("%w: %d bytes", ErrBadKeyFile, len(b))
		}
		if len(passphrase) != 0 {
			return k, ErrNoPassphrase
		}
		copy(k.s.b[:], b[headerSize:])
		return k, nil
	case modePassphrase:
		if len(b) != wrapFileSize {
			return k, fmt.Errorf("%w: %d bytes", ErrBadKeyFile, len(b))
		}
		if len(passphrase) == 0 {
			return k, ErrNeedPassphrase
		}
		p := KDFParams{
			Time:      binary.BigEndian.Uint32(b[6:]),
			MemoryKiB: binary.BigEndian.Uint32(b[10:]),
			Threads:   b[14],
		}
		if err := p.Validate(); err != nil {
			return k, err
		}
		h := b[:wrapHeaderSize]
		salt, nonce := h[15:15+saltSize], h[15+saltSize:]
		aead := wrapAEAD(p.key(passphrase, salt))
		if _, err := aead.Open(k.s.b[:0], nonce, b[wrapHeaderSize:], h); err != nil {
			return MasterKey{}, ErrBadPassphrase
		}
		return k, nil
	}
	return k, fmt.Errorf("%w: mode %d", ErrBadKeyFile, b[5])
}
