package keys

import "errors"

var (
	// ErrBadPassphrase means the passphrase does not open the key file (or
	// the file was altered; the two cannot be told apart).
	ErrBadPassphrase = errors.New("wrong passphrase")
	// ErrNeedPassphrase means the key file is passphrase-protected and none
	// was given.
	ErrNeedPassphrase = errors.New("key file is protected by a passphrase")
	// ErrNoPassphrase means a passphrase was given for a key file that has none.
	ErrNoPassphrase = errors.New("key file is not protected by a passphrase")
	// ErrPermissions means the key file is accessible to group or others.
	ErrPermissions = errors.New("key file permissions too open")
	// ErrBadKeyFile means the file is not a master key file this version reads.
	ErrBadKeyFile = errors.New("not a master key file")
	// ErrExists means SaveMaster would overwrite an existing file.
	ErrExists = errors.New("key file already exists")
	// ErrKeySize means raw key material is not KeySize bytes.
	ErrKeySize = errors.New("key must be 32 bytes")
)
