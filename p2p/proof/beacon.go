package proof

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

// beaconDomain prefixes the bytes a beacon signature covers, so no other
// signed ScatterBytes message can pass for a beacon.
const beaconDomain = "scatterbytes beacon v1\x00"

// Beacon is the coordinator's challenge for one epoch: fresh randomness
// that no node knew when it committed to its inventory. Beacons chain by
// Prev, so a coordinator cannot quietly publish two histories.
type Beacon struct {
	Network    string        // the network profile's name
	Epoch      uint64        // the epoch it opens
	Start      time.Time     // when the epoch starts; millisecond precision
	Length     time.Duration // the epoch's length; millisecond precision
	Samples    int           // samples per proof, 1..MaxSamples
	Randomness [32]byte      // fresh from crypto/rand
	Prev       [32]byte      // Hash of the previous beacon; zero for the first
	Cert       []byte        // the coordinator's membership certificate, DER
	// Signature is the certificate key's Ed25519 signature over
	// beaconDomain followed by the canonical encoding of the fields above.
	Signature []byte
}

// NewBeacon makes and signs the beacon for epoch with fresh randomness.
// key must be the key of certDER (a coordinator's certificate); prev is
// the previous beacon, nil for the first; samples 0 means DefaultSamples.
func NewBeacon(key identity.Key, certDER []byte, network string, epoch uint64, start time.Time,
	length time.Duration, samples int, prev *Beacon) (*Beacon, error) {
	if samples == 0 {
		samples = DefaultSamples
	}
	if samples < 1 || samples > MaxSamples || length < time.Millisecond || network == "" {
		return nil, fmt.Errorf("new beacon: samples %d (1..%d), length %s, network %q", samples, MaxSamples, length, network)
	}
	b := &Beacon{
		Network: network, Epoch: epoch, Samples: samples,
		Start:  start.Truncate(time.Millisecond).UTC(),
		Length: length.Truncate(time.Millisecond),
		Cert:   certDER,
	}
	if prev != nil {
		b.Prev = prev.Hash()
	}
	_, _ = rand.Read(b.Randomness[:]) // never fails
	sig, err := key.Sign(b.signedBytes())
	if err != nil {
		return nil, fmt.Errorf("new beacon: %w", err)
	}
	b.Signature = sig
	return b, nil
}

func (b *Beacon) appendUnsigned(out []byte) []byte {
	out = wire.AppendString(out, beaconNetwork, b.Network)
	out = wire.AppendUint(out, beaconEpoch, b.Epoch)
	out = appendTime(out, beaconStart, b.Start)
	out = wire.AppendUint(out, beaconLength, uint64(max(b.Length.Milliseconds(), 0)))
	out = wire.AppendUint(out, beaconSamples, uint64(max(b.Samples, 0)))
	out = wire.AppendBytes(out, beaconRandomness, b.Randomness[:])
	out = wire.AppendBytes(out, beaconPrev, b.Prev[:])
	return wire.AppendBytes(out, beaconCert, b.Cert)
}

func (b *Beacon) signedBytes() []byte { return b.appendUnsigned([]byte(beaconDomain)) }

// Marshal returns the canonical encoding of b, signature included.
func (b *Beacon) Marshal() []byte {
	out := b.appendUnsigned(make([]byte, 0, 256+len(b.Cert)))
	return wire.AppendBytes(out, beaconSignature, b.Signature)
}

// Hash names the beacon: SHA-256 of the bytes its signature covers. The
// next beacon's Prev is it.
func (b *Beacon) Hash() [32]byte { return sha256.Sum256(b.signedBytes()) }

// End is when the beacon's epoch ends and the next should begin.
func (b *Beacon) End() time.Time { return b.Start.Add(b.Length) }

// UnmarshalBeacon decodes a beacon. It checks the encoding only; use
// VerifyBeacon to check the beacon itself.
func UnmarshalBeacon(data []byte) (*Beacon, error) {
	var b Beacon
	err := beaconSchema.Decode(data, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case beaconNetwork:
			b.Network = v.String()
		case beaconEpoch:
			b.Epoch = v.Uint()
		case beaconStart:
			b.Start = decodeTime(v)
		case beaconLength:
			b.Length = time.Duration(v.Int()) * time.Millisecond
		case beaconSamples:
			b.Samples = int(v.Uint())
		case beaconRandomness:
			b.Randomness = decodeHash(v)
		case beaconPrev:
			b.Prev = decodeHash(v)
		case beaconCert:
			b.Cert = decodeBytes(v)
		case beaconSignature:
			b.Signature = decodeBytes(v)
		}
		return nil
	})
	if err != nil {
		return nil, malformed("beacon", err)
	}
	return &b, nil
}

// VerifyBeacon decodes data and checks that it is a beacon of opts'
// network signed by a coordinator certified by opts.CA (valid at the
// beacon's start, not revoked under opts.CRL, and the profile's
// coordinator if opts.Coordinator is set). The error wraps ErrMalformed
// or ErrBadBeacon.
func VerifyBeacon(data []byte, opts Options) (*Beacon, error) {
	b, err := UnmarshalBeacon(data)
	if err != nil {
		return nil, err
	}
	if err := b.verify(opts); err != nil {
		return nil, fmt.Errorf("verify beacon of epoch %d: %w", b.Epoch, err)
	}
	return b, nil
}

func (b *Beacon) verify(opts Options) error {
	if b.Network != opts.Network {
		return fmt.Errorf("%w: for network %q, not %q", ErrBadBeacon, b.Network, opts.Network)
	}
	if b.Samples < 1 || b.Start.IsZero() || b.Length <= 0 {
		return fmt.Errorf("%w: %d samples, start %s, length %s", ErrBadBeacon, b.Samples, b.Start, b.Length)
	}
	m, pub, err := opts.memberDuring(b.Cert, cert.RoleCoordinator, b)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadBeacon, err)
	}
	if opts.Coordinator != "" && m.Peer != opts.Coordinator {
		return fmt.Errorf("%w: signed by %s, the network's coordinator is %s", ErrBadBeacon, m.Peer, opts.Coordinator)
	}
	if ok, err := pub.Verify(b.signedBytes(), b.Signature); err != nil || !ok {
		return fmt.Errorf("%w: signature of %s does not verify", ErrBadBeacon, m.Peer)
	}
	return nil
}
