package gate

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

const (
	// MaxMessage bounds a certificate message on the wire.
	MaxMessage = 16 << 10
	// MaxChain bounds the number of certificates in a message.
	MaxChain = 4
)

// encodeChain encodes a CertMessage.
func encodeChain(chain [][]byte) []byte {
	var b []byte
	for _, c := range chain {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, c)
	}
	return b
}

// decodeChain decodes a CertMessage, skipping unknown fields.
func decodeChain(b []byte) ([][]byte, error) {
	if len(b) > MaxMessage {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadMessage, len(b))
	}
	var chain [][]byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("%w: %v", ErrBadMessage, protowire.ParseError(n))
		}
		b = b[n:]
		if num == 1 && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, fmt.Errorf("%w: %v", ErrBadMessage, protowire.ParseError(n))
			}
			if len(chain) == MaxChain {
				return nil, fmt.Errorf("%w: more than %d certificates", ErrBadMessage, MaxChain)
			}
			chain = append(chain, v)
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return nil, fmt.Errorf("%w: %v", ErrBadMessage, protowire.ParseError(n))
		}
		b = b[n:]
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrBadMessage)
	}
	return chain, nil
}
