package identity

import "errors"

var (
	// ErrNoKey means there is no key file; the party has not been initialised.
	ErrNoKey = errors.New("no identity key")

	// ErrExists means Save would have replaced an existing key file.
	ErrExists = errors.New("identity key file already exists")

	// ErrKeyPermissions means the key file is readable by group or others.
	ErrKeyPermissions = errors.New("identity key file permissions too open")

	// ErrBadKey means the key file or key is malformed or not Ed25519.
	ErrBadKey = errors.New("malformed or unsupported identity key")
)
