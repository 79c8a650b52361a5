package catalog

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/store"
)

// DefaultVolume is the volume used when the user names none.
const DefaultVolume = "default"

// MaxNameSize bounds a volume, a name and a journal id, in bytes.
const MaxNameSize = 1024

// Entry is one catalogued file.
type Entry struct {
	Volume, Name string
	Ref          manifest.Ref // the capability to read the file; never log Ref.Encode()
	Size         int64        // plaintext size
	Redundancy   string       // "k+m", canonical as package erasure prints it
	Created      time.Time    // kept to the millisecond; zero = unknown
	// RootHolders are the nodes the manifest's root chunk was stored on,
	// at most MaxRootHolders: Remove asks them to delete it even when
	// neither a lookup nor a provider record finds them.
	RootHolders []peer.ID
}

// MaxRootHolders bounds Entry.RootHolders.
const MaxRootHolders = 32

// checkVolume and checkName enforce the naming rules in doc.go.
func checkVolume(v string) error {
	if err := checkString("volume", v); err != nil {
		return err
	}
	if strings.Contains(v, "/") {
		return fmt.Errorf("%w: volume %q contains \"/\"", ErrInvalid, v)
	}
	return nil
}

func checkName(n string) error { return checkString("name", n) }

func checkString(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	case len(s) > MaxNameSize:
		return fmt.Errorf("%w: %s of %d bytes is over the %d byte limit", ErrInvalid, what, len(s), MaxNameSize)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	}
	return nil
}

// validate checks everything Put stores and the decoder accepts.
func (e *Entry) validate() error {
	if err := checkVolume(e.Volume); err != nil {
		return err
	}
	if err := checkName(e.Name); err != nil {
		return err
	}
	if err := store.CheckID(e.Ref.Manifest); err != nil {
		return fmt.Errorf("%w: reference: %v", ErrInvalid, err)
	}
	if e.Ref.Key.IsZero() {
		return fmt.Errorf("%w: reference has no key", ErrInvalid)
	}
	if e.Size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrInvalid, e.Size)
	}
	r, err := erasure.ParseRedundancy(e.Redundancy)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if r.String() != e.Redundancy {
		return fmt.Errorf("%w: redundancy %q is not canonical (%q)", ErrInvalid, e.Redundancy, r)
	}
	if len(e.RootHolders) > MaxRootHolders {
		return fmt.Errorf("%w: %d root holders, at most %d", ErrInvalid, len(e.RootHolders), MaxRootHolders)
	}
	for _, p := range e.RootHolders {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("%w: root holder: %v", ErrInvalid, err)
		}
	}
	return nil
}
