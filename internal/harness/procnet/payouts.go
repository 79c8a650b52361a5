package procnet

import (
	"fmt"
	"os"
	"strings"

	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/txscript"
)

// Payout is one transaction on the chain that paid testnet nodes, read
// from the blocks themselves (not from the coordinator's ledger).
type Payout struct {
	Txid   string           `json:"txid"`
	Height int64            `json:"height"`
	Paid   map[string]int64 `json:"paid"` // node name → sat
}

// Total is the sat the payout paid to nodes.
func (p Payout) Total() int64 {
	var t int64
	for _, v := range p.Paid {
		t += v
	}
	return t
}

// ChainPayouts scans the blocks from height from (0: the first after the
// funding blocks) to the tip for transactions paying the nodes' payout
// addresses, and returns them and the tip.
func ChainPayouts(rpc *rpcclient.Client, procs []Proc, from int64) ([]Payout, int64, error) {
	names := map[string]string{}
	for _, p := range procs {
		if p.Payout != "" {
			names[p.Payout] = p.Name
		}
	}
	tip, err := rpc.GetBlockCount()
	if err != nil {
		return nil, 0, err
	}
	var out []Payout
	for h := max(from, FundingBlocks+1); h <= tip; h++ {
		hash, err := rpc.GetBlockHash(h)
		if err != nil {
			return nil, 0, err
		}
		blk, err := rpc.GetBlock(hash)
		if err != nil {
			return nil, 0, err
		}
		for _, tx := range blk.Transactions[1:] {
			po := Payout{Txid: tx.TxHash().String(), Height: h, Paid: map[string]int64{}}
			for _, o := range tx.TxOut {
				_, addrs, _, err := txscript.ExtractPkScriptAddrs(o.PkScript, regtest)
				if err == nil && len(addrs) == 1 && names[addrs[0].String()] != "" {
					po.Paid[names[addrs[0].String()]] += o.Value
				}
			}
			if len(po.Paid) > 0 {
				out = append(out, po)
			}
		}
	}
	return out, tip, nil
}

// ChainClient connects to the btcd of the testnet state s.
func ChainClient(s *State) (*rpcclient.Client, error) {
	if s.Bitcoin == nil {
		return nil, fmt.Errorf("the testnet in %s runs no btcd (start it with --btc)", s.Dir)
	}
	pass, err := os.ReadFile(s.Bitcoin.PassFile)
	if err != nil {
		return nil, err
	}
	return rpcclient.New(&rpcclient.ConnConfig{Host: s.Bitcoin.RPC, User: s.Bitcoin.User, Pass: strings.TrimSpace(string(pass)),
		HTTPPostMode: true, DisableTLS: true}, nil)
}
