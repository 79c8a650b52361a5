package manifest

import (
	"math"
	"time"

	"github.com/ipfs/go-cid"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/store"
)

// field is one decoded protobuf field: v for varints, val for
// length-delimited ones.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	val []byte
}

// walk calls f for every field of message b, in order, stopping at the
// first error. Fields of other wire types are skipped after being checked
// for well-formedness (and passed to f so it can refuse known numbers).
func walk(b []byte, f func(field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return bad("tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		fl := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			fl.v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			fl.val, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return bad("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(fl); err != nil {
			return err
		}
	}
	return nil
}

// singular tracks which singular fields of a message were seen and checks
// their wire types.
type singular uint64

func (s *singular) take(fl field, want protowire.Type) error {
	if fl.typ != want {
		return bad("field %d has wire type %d, want %d", fl.num, fl.typ, want)
	}
	if fl.num >= 64 {
		return nil
	}
	if *s&(1<<fl.num) != 0 {
		return bad("field %d given twice", fl.num)
	}
	*s |= 1 << fl.num
	return nil
}

func (s singular) require(nums ...protowire.Number) error {
	for _, n := range nums {
		if s&(1<<n) == 0 {
			return bad("required field %d missing", n)
		}
	}
	return nil
}

func toInt64(v uint64, what string) (int64, error) {
	if v > math.MaxInt64 {
		return 0, bad("%s %d out of range", what, v)
	}
	return int64(v), nil
}

// decodeRoot parses a root chunk's plaintext into the manifest (with its
// stripes if inline) and the CIDs of its stripe lists.
func decodeRoot(b []byte) (*Manifest, []cid.Cid, error) {
	if len(b) > MaxChunkSize {
		return nil, nil, bad("root of %d bytes", len(b))
	}
	m := &Manifest{}
	var seen singular
	var inline int
	var lists []cid.Cid
	// Pass 1: everything but the stripes, so their count can be checked
	// against the layout before anything is allocated for them.
	err := walk(b, func(fl field) error {
		var err error
		switch fl.num {
		case fVersion, fSize, fCompressed, fSegmentSize, fCipherSize, fK, fM, fShardSize, fCreated:
			if err = seen.take(fl, protowire.VarintType); err != nil {
				return err
			}
		case fName, fContentType:
			if err = seen.take(fl, protowire.BytesType); err != nil {
				return err
			}
		case fStripes, fStripeLists:
			if fl.typ != protowire.BytesType {
				return bad("field %d has wire type %d", fl.num, fl.typ)
			}
		}
		switch fl.num {
		case fVersion:
			if fl.v != Version {
				return bad("version %d, this reader knows %d", fl.v, Version)
			}
		case fName:
			m.Name = string(fl.val)
		case fSize:
			m.Size, err = toInt64(fl.v, "size")
		case fCompressed:
			if fl.v > 1 {
				return bad("compressed flag %d", fl.v)
			}
			m.Compressed = fl.v == 1
		case fSegmentSize:
			m.SegmentSize = int(min(fl.v, math.MaxInt32))
		case fCipherSize:
			m.CipherSize, err = toInt64(fl.v, "cipher size")
		case fK:
			m.K = int(min(fl.v, math.MaxInt32))
		case fM:
			m.M = int(min(fl.v, math.MaxInt32))
		case fShardSize:
			m.ShardSize, err = toInt64(fl.v, "shard size")
		case fStripes:
			inline++
		case fStripeLists:
			id, err := cid.Cast(fl.val)
			if err != nil {
				return bad("stripe list %d: %v", len(lists), err)
			}
			if err := store.CheckID(id); err != nil {
				return bad("stripe list %d: %v", len(lists), err)
			}
			lists = append(lists, id)
		case fCreated:
			if t := time.UnixMilli(protowire.DecodeZigZag(fl.v)); !t.IsZero() {
				m.Created = t // year 1 would re-encode as absent
			}
		case fContentType:
			m.ContentType = string(fl.val)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := seen.require(fVersion, fSize, fSegmentSize, fCipherSize, fK, fM, fShardSize); err != nil {
		return nil, nil, err
	}
	if err := m.validateHeader(); err != nil {
		return nil, nil, err
	}
	want := m.Layout().Stripes()
	switch {
	case inline > 0 && len(lists) > 0:
		return nil, nil, bad("both inline stripes and stripe lists")
	case len(lists) == 0 && inline != want:
		return nil, nil, bad("%d stripes, layout has %d", inline, want)
	case len(lists) > want:
		return nil, nil, bad("%d stripe lists for %d stripes", len(lists), want)
	}
	if inline == 0 {
		return m, lists, nil
	}
	// Pass 2: the stripes.
	m.Stripes = make([]Stripe, 0, inline)
	err = walk(b, func(fl field) error {
		if fl.num != fStripes {
			return nil
		}
		s, err := decodeStripe(fl.val, m.K+m.M)
		if err != nil {
			return withStripe(len(m.Stripes), err)
		}
		m.Stripes = append(m.Stripes, s)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return m, nil, nil
}

// decodeList parses a stripe list chunk's plaintext; shards is K+M and
// maxStripes the most stripes it may hold.
func decodeList(b []byte, shards, maxStripes int) (first int, stripes []Stripe, err error) {
	if len(b) > MaxChunkSize {
		return 0, nil, bad("stripe list of %d bytes", len(b))
	}
	var seen singular
	err = walk(b, func(fl field) error {
		switch fl.num {
		case fListVersion, fListFirst:
			if err := seen.take(fl, protowire.VarintType); err != nil {
				return err
			}
		case fListStripes:
			if fl.typ != protowire.BytesType {
				return bad("field %d has wire type %d", fl.num, fl.typ)
			}
		}
		switch fl.num {
		case fListVersion:
			if fl.v != Version {
				return bad("stripe list version %d, this reader knows %d", fl.v, Version)
			}
		case fListFirst:
			if fl.v > MaxStripes {
				return bad("stripe list starts at %d", fl.v)
			}
			first = int(fl.v)
		case fListStripes:
			if len(stripes) == maxStripes {
				return bad("stripe list holds more than the %d stripes left", maxStripes)
			}
			s, err := decodeStripe(fl.val, shards)
			if err != nil {
				return withStripe(first+len(stripes), err)
			}
			stripes = append(stripes, s)
		}
		return nil
	})
	if err == nil {
		err = seen.require(fListVersion, fListFirst)
	}
	if err != nil {
		return 0, nil, err
	}
	return first, stripes, nil
}

func decodeStripe(b []byte, shards int) (Stripe, error) {
	s := Stripe{Shards: make([]Shard, 0, shards)}
	err := walk(b, func(fl field) error {
		if fl.num != fStripeShards {
			return nil
		}
		if fl.typ != protowire.BytesType {
			return bad("shard has wire type %d", fl.typ)
		}
		if len(s.Shards) == shards {
			return bad("more than %d shards", shards)
		}
		sh, err := decodeShard(fl.val)
		if err != nil {
			return within(err, "shard %d", len(s.Shards))
		}
		s.Shards = append(s.Shards, sh)
		return nil
	})
	if err != nil {
		return Stripe{}, err
	}
	if len(s.Shards) != shards {
		return Stripe{}, bad("%d shards, want %d", len(s.Shards), shards)
	}
	return s, nil
}

func decodeShard(b []byte) (Shard, error) {
	var sh Shard
	var seen singular
	err := walk(b, func(fl field) error {
		switch fl.num {
		case fShardID:
			if err := seen.take(fl, protowire.BytesType); err != nil {
				return err
			}
			id, err := cid.Cast(fl.val)
			if err != nil {
				return bad("id: %v", err)
			}
			if err := store.CheckID(id); err != nil {
				return bad("id: %v", err)
			}
			sh.ID = id
		case fShardHolders:
			if fl.typ != protowire.BytesType {
				return bad("holder has wire type %d", fl.typ)
			}
			if len(sh.Holders) == MaxHolders {
				return bad("more than %d holders", MaxHolders)
			}
			if len(fl.val) == 0 || len(fl.val) > MaxHolderLen {
				return bad("holder ID of %d bytes", len(fl.val))
			}
			sh.Holders = append(sh.Holders, fl.val)
		}
		return nil
	})
	if err == nil {
		err = seen.require(fShardID)
	}
	return sh, err
}

func withStripe(i int, err error) error { return within(err, "stripe %d", i) }
