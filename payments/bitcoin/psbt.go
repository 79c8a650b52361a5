package bitcoin

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/wire"
)

// MaxPSBT bounds an imported PSBT (base64 or binary): a payout to 10,000
// nodes is under 1 MB.
const MaxPSBT = 4 << 20

// ErrBadPSBT means an imported PSBT is malformed, unsigned or not the
// payout it claims to be.
var ErrBadPSBT = errors.New("bad PSBT")

// ExportPSBT returns b as an unsigned PSBT in base64, each input with the
// output it spends (witness UTXO) so a signer can check amounts and fee.
func ExportPSBT(key Key, b *Built) ([]byte, error) {
	tx := b.Tx.Copy()
	for _, in := range tx.TxIn {
		in.Witness, in.SignatureScript = nil, nil
	}
	p, err := psbt.NewFromUnsignedTx(tx)
	if err != nil {
		return nil, err
	}
	script := key.PkScript()
	for i := range p.Inputs {
		p.Inputs[i].WitnessUtxo = wire.NewTxOut(b.Coins[i].Value, script)
	}
	s, err := p.B64Encode()
	if err != nil {
		return nil, err
	}
	return []byte(s + "\n"), nil
}

// ImportPSBT reads a signed PSBT (base64 or binary), finalises it and
// returns the transaction. It does not know which payout it is for: the
// caller compares the txid.
func ImportPSBT(b []byte) (*wire.MsgTx, error) {
	if len(b) > MaxPSBT {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBadPSBT, len(b), MaxPSBT)
	}
	b = bytes.TrimSpace(b)
	isB64 := !bytes.HasPrefix(b, []byte("psbt\xff"))
	if isB64 {
		if _, err := base64.StdEncoding.DecodeString(string(b)); err != nil {
			return nil, fmt.Errorf("%w: neither binary nor base64", ErrBadPSBT)
		}
	}
	p, err := parsePSBT(b, isB64)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPSBT, err)
	}
	if err := psbt.MaybeFinalizeAll(p); err != nil {
		return nil, fmt.Errorf("%w: not fully signed: %v", ErrBadPSBT, err)
	}
	tx, err := psbt.Extract(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPSBT, err)
	}
	return tx, nil
}

// parsePSBT parses, turning a panic of the upstream parser into an error.
func parsePSBT(b []byte, b64 bool) (p *psbt.Packet, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("parser panic: %v", r)
		}
	}()
	return psbt.NewFromRawBytes(bytes.NewReader(b), b64)
}

// UnsignedTx returns the unsigned transaction of an exported PSBT.
func UnsignedTx(b []byte) (*wire.MsgTx, error) {
	p, err := parsePSBT(bytes.TrimSpace(b), true)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPSBT, err)
	}
	return p.UnsignedTx.Copy(), nil
}
