// Package ledger is the coordinator's book of what storage nodes have
// earned and been paid: credits per (node, epoch), balances, and payouts
// with their Bitcoin transactions. It is one goleveldb database in the
// coordinator's directory; every change is one leveldb batch, written
// with sync, so a crash at any point leaves the book as before or after
// the change, never between.
//
// # Credits
//
// The coordinator calls Credit once it has verified a node's availability
// proof for an epoch. The amount is
//
//	gross (msat) = proven bytes / GiB × epoch length / hour × price × availability
//
// floored to the millisatoshi, where price is the profile's pay_rate_msat
// (millisatoshi per GiB-hour stored and proven: what storage costs) and
// availability is the fraction of the epoch's challenges the node answered
// with a valid proof, in parts per million (1,000,000: every sampled chunk
// proven; the proof package counts them; a node that sent no valid proof is
// not credited at all). A node that proves only some of its sample is paid
// in proportion, so losing data costs at once, before reputation acts.
//
// The gross is split: the node's share is NodeShare (basis points, default
// 7500 = 75%, the share the original ScatterBytes paid nodes of what clients
// paid), floored; the network's share is the rest. Both are written in the
// credit, so the two always add up to the gross.
//
// A (node, epoch) is credited at most once: Credit of a pair already in the
// book changes nothing and reports it (a replayed or duplicated proof adds
// nothing), under one lock with the batch that writes it.
//
// # Balances and payouts
//
// A node's balance is what it earned (msat) less what payouts committed to
// it (whole satoshis); the fraction of a satoshi carries over. Commit
// records a payout (its outputs, inputs and first transaction) and debits
// each output from its node's balance in the same batch: that is the one
// debit. A fee bump adds an attempt (a new transaction spending the same
// inputs to the same outputs) to the same payout, so whichever attempt
// confirms, each node is paid once and debited once; the others are marked
// replaced. Payout states: built (an unsigned PSBT is out for signing),
// signed (the transaction is in the book, not yet sent), broadcast, and
// confirmed; a payout never signed (its PSBT lost) may be cancelled, which
// returns its debits. At most one payout is open (neither confirmed nor
// cancelled) at a time.
//
// # Wallet
//
// The book also holds the coordinator's own unspent outputs and the height
// of the last block scanned for them (package payments writes them, block
// by block, together with any payout confirmed in that block).
//
// # Statements
//
// Statement traces each satoshi a node was paid to the credits that earned
// it, oldest epoch first, and the txid that paid it.
//
// # Keys
//
//	c <len><node><epoch u64 BE>  credit: proven bytes, availability ppm,
//	                              gross msat, node msat, network msat (uvarints)
//	b <node>                      balance: earned msat, committed sat, paid sat
//	a <node>                      last payout address seen with a credit
//	p <id u64 BE>                 payout (JSON)
//	u <txid><vout u32 BE>         own unspent output: value, height, coinbase
//	m next                        next payout ID
//	m scan                        last scanned height and block hash
package ledger
