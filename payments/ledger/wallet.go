package ledger

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// UTXO is one of the coordinator's unspent outputs.
type UTXO struct {
	OutPoint
	Value    uint64
	Height   int32
	Coinbase bool
}

// Block is what one scanned block changed for the coordinator.
type Block struct {
	Height int32
	Hash   string
	Add    []UTXO     // outputs to the coordinator's address
	Spend  []OutPoint // its outputs spent
	// Confirmed are txids in the block; an attempt of the open payout
	// among them confirms it.
	Confirmed []string
}

var scanKey = []byte("mscan")

// Scanned returns the height and hash of the last block applied, or -1.
func (l *Ledger) Scanned() (int32, string, error) {
	v, err := l.db.Get(scanKey, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return -1, "", nil
	} else if err != nil {
		return 0, "", err
	}
	if len(v) != 4+32 {
		return 0, "", fmt.Errorf("%w: scan height", ErrBadRecord)
	}
	return int32(binary.BigEndian.Uint32(v)), hex.EncodeToString(v[4:]), nil
}

// ApplyBlock records blk in one batch: the outputs it adds and spends,
// the open payout confirmed if one of its attempts is in it (the others
// marked replaced, each output counted as paid once), and blk as the last
// block scanned. Blocks must come in order.
func (l *Ledger) ApplyBlock(blk Block) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, err := hex.DecodeString(blk.Hash)
	if err != nil || len(h) != 32 {
		return fmt.Errorf("ledger: block hash %q", blk.Hash)
	}
	var b leveldb.Batch
	for _, u := range blk.Add {
		k, err := utxoKey(u.OutPoint)
		if err != nil {
			return err
		}
		v := binary.AppendUvarint(nil, u.Value)
		v = binary.AppendUvarint(v, uint64(u.Height))
		if u.Coinbase {
			v = append(v, 1)
		} else {
			v = append(v, 0)
		}
		b.Put(k, v)
	}
	for _, o := range blk.Spend {
		k, err := utxoKey(o)
		if err != nil {
			return err
		}
		b.Delete(k)
	}
	open, err := l.open()
	if err != nil {
		return err
	}
	if open != nil {
		if err := l.confirm(&b, open, blk); err != nil {
			return err
		}
	}
	b.Put(scanKey, append(binary.BigEndian.AppendUint32(nil, uint32(blk.Height)), h...))
	return l.db.Write(&b, syncW)
}

// confirm adds to b the confirmation of p if one of its attempts is in blk.
func (l *Ledger) confirm(b *leveldb.Batch, p *Payout, blk Block) error {
	in := map[string]bool{}
	for _, t := range blk.Confirmed {
		in[t] = true
	}
	found := -1
	for i, a := range p.Attempts {
		if in[a.Txid] {
			found = i
		}
	}
	if found < 0 {
		return nil
	}
	for i := range p.Attempts {
		if i == found {
			p.Attempts[i].State = Confirmed
		} else {
			p.Attempts[i].State = Replaced
		}
	}
	p.State, p.Height, p.Txid = Confirmed, blk.Height, p.Attempts[found].Txid
	for _, o := range p.Outputs {
		bal, err := l.balance(o.Node)
		if err != nil {
			return err
		}
		bal.PaidSat += o.Sat
		b.Put(balanceKey(o.Node), encodeBalance(bal))
	}
	v, err := jsonPayout(p)
	if err != nil {
		return err
	}
	b.Put(payoutKey(p.ID), v)
	return nil
}

// UTXOs returns the coordinator's unspent outputs.
func (l *Ledger) UTXOs() ([]UTXO, error) {
	var out []UTXO
	it := l.db.NewIterator(util.BytesPrefix([]byte{'u'}), nil)
	defer it.Release()
	for it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 1+32+4 {
			return nil, fmt.Errorf("%w: utxo key", ErrBadRecord)
		}
		n, err := uvarintsPrefix(v, 2)
		if err != nil || len(v) == 0 {
			return nil, fmt.Errorf("%w: utxo", ErrBadRecord)
		}
		out = append(out, UTXO{
			OutPoint: OutPoint{Txid: hex.EncodeToString(k[1:33]), Vout: binary.BigEndian.Uint32(k[33:])},
			Value:    n[0], Height: int32(n[1]), Coinbase: v[len(v)-1] == 1,
		})
	}
	return out, it.Error()
}

func utxoKey(o OutPoint) ([]byte, error) {
	h, err := hex.DecodeString(o.Txid)
	if err != nil || len(h) != 32 {
		return nil, fmt.Errorf("ledger: txid %q", o.Txid)
	}
	return binary.BigEndian.AppendUint32(append([]byte{'u'}, h...), o.Vout), nil
}

// uvarintsPrefix decodes n uvarints followed by exactly one byte.
func uvarintsPrefix(b []byte, n int) ([]uint64, error) {
	if len(b) == 0 {
		return nil, ErrBadRecord
	}
	return uvarints(b[:len(b)-1], n)
}
