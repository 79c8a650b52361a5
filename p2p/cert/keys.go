package cert

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// memberKey checks that pub (as parsed by crypto/x509) is an Ed25519 key and
// returns it with its peer ID.
func memberKey(pub any) (ed25519.PublicKey, peer.ID, error) {
	edPub, ok := pub.(ed25519.PublicKey)
	if !ok {
		return nil, "", fmt.Errorf("%w: the certificate holds %s; only Ed25519 libp2p keys are members", ErrBadKey, keyKind(pub))
	}
	if len(edPub) != ed25519.PublicKeySize {
		return nil, "", fmt.Errorf("%w: Ed25519 key is %d bytes, want %d", ErrBadKey, len(edPub), ed25519.PublicKeySize)
	}
	lp, err := crypto.UnmarshalEd25519PublicKey(edPub)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	id, err := peer.IDFromPublicKey(lp)
	if err != nil {
		return nil, "", fmt.Errorf("%w: peer ID: %v", ErrBadKey, err)
	}
	return edPub, id, nil
}

// stdKey converts a libp2p public key to the crypto/ed25519 key x509 wants.
func stdKey(pub crypto.PubKey) (ed25519.PublicKey, error) {
	if pub == nil || pub.Type() != crypto.Ed25519 {
		kind := "no key"
		if pub != nil {
			kind = "a " + pub.Type().String() + " key"
		}
		return nil, fmt.Errorf("%w: got %s", ErrBadKey, kind)
	}
	raw, err := pub.Raw()
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: bad Ed25519 public key", ErrBadKey)
	}
	return ed25519.PublicKey(raw), nil
}

func keyKind(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("an RSA-%d key", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "an ECDSA " + k.Curve.Params().Name + " key"
	case nil:
		return "a key of an unknown algorithm"
	default:
		return fmt.Sprintf("a %T key", pub)
	}
}

var oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}

// Outlines of a certificate and a request, enough to reach the
// SubjectPublicKeyInfo when crypto/x509 refuses the whole thing. Trailing
// SEQUENCE elements are ignored by encoding/asn1.
type spki struct {
	Algorithm struct {
		Algorithm asn1.ObjectIdentifier
	}
	PublicKey asn1.BitString
}

type certOutline struct {
	TBS struct {
		Version   int `asn1:"optional,explicit,default:0,tag:0"`
		Serial    asn1.RawValue
		SigAlg    asn1.RawValue
		Issuer    asn1.RawValue
		Validity  asn1.RawValue
		Subject   asn1.RawValue
		PublicKey spki
	}
}

type csrOutline struct {
	Info struct {
		Version   int
		Subject   asn1.RawValue
		PublicKey spki
	}
}

// explainParseError turns an x509 parse failure into ErrBadKey when the
// reason is the key (say an Ed25519 key of the wrong size, or an algorithm
// Go does not parse), and into malformed otherwise.
func explainParseError(der []byte, isCSR bool, malformed, err error) error {
	var k spki
	if isCSR {
		var o csrOutline
		if _, e := asn1.Unmarshal(der, &o); e != nil {
			return fmt.Errorf("%w: %v", malformed, err)
		}
		k = o.Info.PublicKey
	} else {
		var o certOutline
		if _, e := asn1.Unmarshal(der, &o); e != nil {
			return fmt.Errorf("%w: %v", malformed, err)
		}
		k = o.TBS.PublicKey
	}
	if !k.Algorithm.Algorithm.Equal(oidEd25519) {
		return fmt.Errorf("%w: public key algorithm %s; only Ed25519 libp2p keys are members", ErrBadKey, k.Algorithm.Algorithm)
	}
	if n := len(k.PublicKey.Bytes); n != ed25519.PublicKeySize || k.PublicKey.BitLength != 8*ed25519.PublicKeySize {
		return fmt.Errorf("%w: Ed25519 key is %d bytes, want %d", ErrBadKey, n, ed25519.PublicKeySize)
	}
	return fmt.Errorf("%w: %v", malformed, err)
}
