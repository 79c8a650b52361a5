package cert

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"path/filepath"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
)

// caState is the CA's mutable bookkeeping, persisted as ca.state.
type caState struct {
	CRLNumber uint64                   // number of the last CRL made; 0: none yet
	Issued    map[peer.ID][]issuedCert // unexpired certificates per peer
	Revoked   map[peer.ID]time.Time    // revoked peers and when
}

type issuedCert struct {
	Serial   *big.Int
	NotAfter time.Time
}

func newCAState() caState {
	return caState{Issued: map[peer.ID][]issuedCert{}, Revoked: map[peer.ID]time.Time{}}
}

// clone copies s so a change can be persisted before it becomes current.
func (s caState) clone() caState {
	c := caState{CRLNumber: s.CRLNumber, Issued: make(map[peer.ID][]issuedCert, len(s.Issued)), Revoked: maps.Clone(s.Revoked)}
	for p, certs := range s.Issued {
		c.Issued[p] = slices.Clone(certs)
	}
	return c
}

// prune forgets certificates that have expired: no one accepts them, so
// neither revocation nor the CRL needs their serials.
func (s caState) prune(now time.Time) {
	for p, certs := range s.Issued {
		certs = slices.DeleteFunc(certs, func(c issuedCert) bool { return c.NotAfter.Before(now) })
		if len(certs) == 0 {
			delete(s.Issued, p)
		} else {
			s.Issued[p] = certs
		}
	}
}

// The JSON form of ca.state (see doc.go).
type stateFile struct {
	Version   int                       `json:"version"`
	CRLNumber uint64                    `json:"crl_number"`
	Issued    map[string][]issuedRecord `json:"issued"`
	Revoked   map[string]time.Time      `json:"revoked"`
}

type issuedRecord struct {
	Serial   string    `json:"serial"` // lower-case hex
	NotAfter time.Time `json:"not_after"`
}

const stateVersion = 1

func (s caState) marshal() ([]byte, error) {
	f := stateFile{Version: stateVersion, CRLNumber: s.CRLNumber, Issued: map[string][]issuedRecord{}, Revoked: map[string]time.Time{}}
	for p, certs := range s.Issued {
		for _, c := range certs {
			f.Issued[p.String()] = append(f.Issued[p.String()], issuedRecord{Serial: c.Serial.Text(16), NotAfter: c.NotAfter.UTC()})
		}
	}
	for p, at := range s.Revoked {
		f.Revoked[p.String()] = at.UTC()
	}
	return json.MarshalIndent(f, "", "  ")
}

func unmarshalState(data []byte) (caState, error) {
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return caState{}, err
	}
	if f.Version != stateVersion {
		return caState{}, fmt.Errorf("state version %d, want %d", f.Version, stateVersion)
	}
	s := newCAState()
	s.CRLNumber = f.CRLNumber
	for ps, recs := range f.Issued {
		p, err := peer.Decode(ps)
		if err != nil {
			return caState{}, fmt.Errorf("issued peer %q: %w", ps, err)
		}
		for _, r := range recs {
			n, ok := new(big.Int).SetString(r.Serial, 16)
			if !ok || n.Sign() <= 0 {
				return caState{}, fmt.Errorf("issued serial %q is not positive hex", r.Serial)
			}
			s.Issued[p] = append(s.Issued[p], issuedCert{Serial: n, NotAfter: r.NotAfter})
		}
	}
	for ps, at := range f.Revoked {
		p, err := peer.Decode(ps)
		if err != nil {
			return caState{}, fmt.Errorf("revoked peer %q: %w", ps, err)
		}
		s.Revoked[p] = at
	}
	return s, nil
}

// writeState replaces dir/ca.state atomically.
func writeState(dir string, s caState) error {
	data, err := s.marshal()
	if err != nil {
		return fmt.Errorf("save CA state: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, stateFileName), data, 0o600)
}
