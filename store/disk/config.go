package disk

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/scatterbytes/scatterbytes/store"
)

// Config configures a disk store.
type Config struct {
	// Capacity is the hard limit, in bytes, on the chunk files (headers
	// included). Required.
	Capacity int64
	// Logger receives recovery and scrub events; nil discards them.
	Logger *slog.Logger
	// ScrubRate is the scrub's budget in bytes re-hashed per second;
	// 0 means as fast as the disk allows.
	ScrubRate int64
	// ScrubInterval is the pause Run makes between two scrub passes.
	ScrubInterval time.Duration
	// OnCorrupt, if set, is called on the scrub's goroutine for each chunk
	// the scrub quarantines (err says why). It must not block for long.
	OnCorrupt func(store.Info, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultConfig returns a config for a store of capacity bytes: a scrub
// pass a day at 32 MiB/s, which re-reads 2.7 TiB a day at most.
func DefaultConfig(capacity int64) Config {
	return Config{
		Capacity:      capacity,
		ScrubRate:     32 << 20,
		ScrubInterval: 24 * time.Hour,
	}
}

// Validate reports whether c can open a store.
func (c Config) Validate() error {
	switch {
	case c.Capacity <= 0:
		return fmt.Errorf("%w: capacity %d, must be positive", ErrBadConfig, c.Capacity)
	case c.ScrubRate < 0:
		return fmt.Errorf("%w: negative scrub rate", ErrBadConfig)
	case c.ScrubInterval < 0:
		return fmt.Errorf("%w: negative scrub interval", ErrBadConfig)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
