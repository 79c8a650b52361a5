package profile

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed public.json
var publicJSON []byte

// Public returns the built-in profile of the public network.
//
// The public network's CA certificate, coordinator and literal bootstrap
// fallbacks are filled in at launch. Until then the profile carries no CA and
// Public returns it together with ErrNotLaunched, so that a node never joins
// an unauthenticated "public" network by accident.
func Public() (*Profile, error) {
	var p Profile
	if err := json.Unmarshal(publicJSON, &p); err != nil {
		return nil, fmt.Errorf("built-in public profile: %w", err)
	}
	if p.CA == "" {
		return &p, ErrNotLaunched
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("built-in public profile: %w", err)
	}
	return &p, nil
}

// LoadOrPublic loads file, or returns the public profile when file is "".
func LoadOrPublic(file string) (*Profile, error) {
	if file == "" {
		return Public()
	}
	return Load(file)
}
