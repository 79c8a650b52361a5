package client

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// Files in a client directory (besides node's identity.key and cert.pem).
const (
	MasterKeyFile = "master.key"
	CatalogDir    = "catalog"
)

// Config configures a Client. Start from DefaultConfig.
type Config struct {
	// Dir holds the identity key, certificate, master key and catalog.
	Dir string
	// Profile is the network.
	Profile *profile.Profile
	// Passphrase unlocks the master key when it was saved with one.
	Passphrase []byte
	// Redundancy is the default "k+m"; "" means the profile's.
	Redundancy string
	// Lifetime is how long storage orders ask nodes to keep shards.
	Lifetime time.Duration
	// MaxShard bounds a shard; small files get smaller shards.
	MaxShard int64
	// StripesInFlight bounds how many stripes upload or download at once.
	StripesInFlight int
	// InlineMax is the largest sealed file stored in its manifest rather
	// than in stripes (package manifest, "Small files"): one round of
	// uploads instead of two, and a read that needs the manifest alone.
	// The file is then kept as the manifest is, in m+2 copies, so the
	// bound is small. 0 stores every file in stripes.
	InlineMax int64
	// ReadOnly opens the catalog for reading only (catalog.OpenReadOnly):
	// for a client that only reads files, whose start then syncs nothing.
	// Put, Remove and the journal's writes fail.
	ReadOnly bool
	// Logger receives the client's logs; nil discards them.
	Logger *slog.Logger
	// NoProviderLookups keeps reads off the DHT's provider records
	// (shard.Config.NoProviderLookups): tests set it to show the holders
	// listed, the stripes' placement records and the nearest peers do.
	NoProviderLookups bool

	// Key and Cert (DER) override the files in Dir; Master overrides
	// master.key. The in-process test harness sets them.
	Key    *identity.Key
	Cert   []byte
	Master *keys.MasterKey
}

// DefaultConfig returns a client configuration for dir on network p.
func DefaultConfig(dir string, p *profile.Profile) Config {
	return Config{
		Dir:             dir,
		Profile:         p,
		Lifetime:        90 * 24 * time.Hour,
		MaxShard:        erasure.DefaultMaxShard,
		StripesInFlight: 2,
		InlineMax:       DefaultInlineMax,
	}
}

// DefaultInlineMax is Config.InlineMax by default: files of up to about
// 8 KiB travel in their manifest. At that size a file's m+2 copies cost
// 32 KiB (4+2), against 12 KiB in stripes, and save it six uploads (and
// their syncs) and a fetch.
const DefaultInlineMax = 8<<10 + 64

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	switch {
	case c.Profile == nil:
		return errors.New("client: no network profile")
	case c.Dir == "":
		return errors.New("client: no directory")
	case c.Lifetime < time.Minute:
		return fmt.Errorf("client: order lifetime %v is under a minute", c.Lifetime)
	case c.StripesInFlight < 1:
		return errors.New("client: StripesInFlight must be at least 1")
	case c.InlineMax < 0 || c.InlineMax > manifest.MaxData:
		return fmt.Errorf("client: InlineMax %d is outside [0, %d]", c.InlineMax, manifest.MaxData)
	}
	if c.Redundancy != "" {
		if _, err := erasure.ParseRedundancy(c.Redundancy); err != nil {
			return fmt.Errorf("client: %w", err)
		}
	}
	return c.Profile.Validate()
}

func (c *Config) redundancy() (erasure.Redundancy, error) {
	s := c.Redundancy
	if s == "" {
		s = c.Profile.Redundancy
	}
	return erasure.ParseRedundancy(s)
}
