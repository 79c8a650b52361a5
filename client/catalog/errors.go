package catalog

import "errors"

var (
	// ErrNotFound means there is no entry (or journal) under that name.
	ErrNotFound = errors.New("not in catalog")
	// ErrWrongKey means the master key does not open this catalog.
	ErrWrongKey = errors.New("catalog was made with a different master key")
	// ErrVersion means the catalog was written in a format this client
	// does not read.
	ErrVersion = errors.New("unsupported catalog version")
	// ErrCorrupt means a record fails to open or decode although the key is
	// right: the directory was damaged or tampered with (for example a
	// value copied under another key).
	ErrCorrupt = errors.New("catalog corrupt")
	// ErrInvalid means an argument breaks the rules in doc.go (empty or
	// over-long name, volume with "/", bad redundancy, missing reference).
	ErrInvalid = errors.New("invalid catalog argument")
	// ErrInUse means another process has the catalog open.
	ErrInUse = errors.New("catalog in use by another process")
)
