package cert

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"unicode/utf8"
)

// Private OID arc; see doc.go.
var (
	OIDRole         = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 59999, 1, 1}
	OIDPayout       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 59999, 1, 2}
	OIDRevokedPeers = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 59999, 1, 3}
)

// MaxPayoutLen is the longest payout address accepted, in bytes.
const MaxPayoutLen = 100

// checkPayout accepts "" (no payout) or up to MaxPayoutLen printable,
// non-space ASCII characters; Bitcoin addresses (base58 or bech32) fit.
func checkPayout(s string) error {
	if len(s) > MaxPayoutLen {
		return fmt.Errorf("%w: %d bytes, at most %d allowed", ErrBadPayout, len(s), MaxPayoutLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("%w: byte %d is not printable ASCII", ErrBadPayout, i)
		}
	}
	return nil
}

// memberExtensions returns the role and (if set) payout extensions.
func memberExtensions(role Role, payout string) ([]pkix.Extension, error) {
	if !role.Valid() {
		return nil, fmt.Errorf("%w %q; want one of node, client, coordinator", ErrBadRole, role)
	}
	if err := checkPayout(payout); err != nil {
		return nil, err
	}
	exts := []pkix.Extension{{Id: OIDRole, Value: utf8String(string(role))}}
	if payout != "" {
		exts = append(exts, pkix.Extension{Id: OIDPayout, Value: utf8String(payout)})
	}
	return exts, nil
}

// readMemberExtensions finds and checks the role and payout extensions.
// Each may appear at most once; the role is required.
func readMemberExtensions(exts []pkix.Extension) (Role, string, error) {
	var role, payout string
	var haveRole, havePayout bool
	for _, e := range exts {
		var dst *string
		var seen *bool
		var bad error
		switch {
		case e.Id.Equal(OIDRole):
			dst, seen, bad = &role, &haveRole, ErrBadRole
		case e.Id.Equal(OIDPayout):
			dst, seen, bad = &payout, &havePayout, ErrBadPayout
		default:
			continue
		}
		if *seen {
			return "", "", fmt.Errorf("%w: extension %s appears twice", bad, e.Id)
		}
		s, err := parseUTF8String(e.Value)
		if err != nil {
			return "", "", fmt.Errorf("%w: extension %s: %v", bad, e.Id, err)
		}
		*dst, *seen = s, true
	}
	if !haveRole {
		return "", "", fmt.Errorf("%w: certificate has no role extension (%s)", ErrBadRole, OIDRole)
	}
	r, err := ParseRole(role)
	if err != nil {
		return "", "", err
	}
	if havePayout && payout == "" {
		return "", "", fmt.Errorf("%w: empty payout extension", ErrBadPayout)
	}
	if err := checkPayout(payout); err != nil {
		return "", "", err
	}
	return r, payout, nil
}

func utf8String(s string) []byte {
	b, err := asn1.MarshalWithParams(s, "utf8")
	if err != nil {
		panic(err) // marshalling a valid UTF-8 string cannot fail
	}
	return b
}

// parseUTF8String accepts exactly one DER UTF8String and nothing after it.
func parseUTF8String(der []byte) (string, error) {
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(der, &v)
	if err != nil {
		return "", err
	}
	if len(rest) != 0 {
		return "", fmt.Errorf("trailing data")
	}
	if v.Class != asn1.ClassUniversal || v.Tag != asn1.TagUTF8String || v.IsCompound {
		return "", fmt.Errorf("not a UTF8String")
	}
	if !utf8.Valid(v.Bytes) {
		return "", fmt.Errorf("invalid UTF-8")
	}
	return string(v.Bytes), nil
}
