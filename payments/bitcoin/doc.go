// Package bitcoin builds, signs and exchanges the coordinator's payout
// transactions: its own key (a P2WPKH address, the WIF in a 0600 file in
// the coordinator's directory), a batched transaction paying each node's
// segwit address from the coordinator's outputs with change back to it,
// RBF signalled on every input (nSequence 0xfffffffd), a fee bump that
// spends the same inputs to the same outputs with less change, and the
// unsigned PSBT (BIP 174) an offline signer signs and the coordinator
// imports back. Nothing here talks to the network; package payments
// drives a Bitcoin node over JSON-RPC (see Dial).
//
// # Fees and sizes
//
// The fee is the fee rate (sat/vB, a setting: regtest and a node without
// history have no estimate) times the virtual size of the transaction
// with the largest signatures (72-byte DER + sighash byte), so the signed
// transaction pays at least that rate. A P2WPKH input is 68 vB, a P2WPKH
// output 31, a P2WSH or P2TR output 43, the rest 11.
package bitcoin
