package keys

import (
	"fmt"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the argon2id parameters that turn a passphrase into the key
// that wraps the master key. They are stored in the key file.
type KDFParams struct {
	Time      uint32 // iterations
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // parallelism
}

// DefaultKDF is what SaveMaster uses: 3 passes over 64 MiB on 2 threads,
// about a quarter of a second on a laptop core.
var DefaultKDF = KDFParams{Time: 3, MemoryKiB: 64 << 10, Threads: 2}

// Bounds on parameters read from a file, so a hostile file cannot demand
// unbounded time or memory.
const (
	maxKDFTime   = 64
	minKDFMemory = 8
	maxKDFMemory = 4 << 20 // 4 GiB in KiB
)

// Validate reports whether p is within the bounds LoadMaster accepts.
func (p KDFParams) Validate() error {
	switch {
	case p.Time < 1 || p.Time > maxKDFTime:
		return fmt.Errorf("%w: argon2id time %d not in [1, %d]", ErrBadKeyFile, p.Time, maxKDFTime)
	case p.MemoryKiB < minKDFMemory || p.MemoryKiB > maxKDFMemory:
		return fmt.Errorf("%w: argon2id memory %d KiB not in [%d, %d]", ErrBadKeyFile, p.MemoryKiB, minKDFMemory, maxKDFMemory)
	case p.Threads < 1:
		return fmt.Errorf("%w: argon2id threads 0", ErrBadKeyFile)
	}
	return nil
}

func (p KDFParams) key(passphrase, salt []byte) []byte {
	return argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, KeySize)
}
