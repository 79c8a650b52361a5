// Package payments pays storage nodes in Bitcoin for what the ledger
// (package payments/ledger) says they earned.
//
// # API for the coordinator
//
// The epoch loop books each verified proof with ledger.CreditAll (one
// batch per epoch; a (node, epoch) already booked adds nothing, so a
// replayed or duplicated proof is harmless). A Scheduler (Run(ctx)) in the
// coordinator, or `scatterbytes coordinator payout`, does the rest with a
// Payer: Sync, Plan, Pay, Export/Import (PSBT), Bump.
//
// # Where the coordinator's coins come from
//
// The payer keeps the coordinator's unspent outputs in the ledger itself,
// found by scanning every block from Config.Birth (the height before the
// address was first funded) with getblockhash and getblock (raw). We chose
// scanning because it asks nothing of the Bitcoin node that a stock bitcoind
// or btcd lacks: no wallet (bitcoind's listunspent), no address index
// (btcd's searchrawtransactions needs --addrindex, bitcoind has none), no
// txindex (getrawtransaction of a mined tx). After the first scan it reads
// only new blocks; the same scan sees a payout's transaction in a block and
// confirms it, in the same leveldb batch as the outputs it spent and the
// change it made. Blocks are taken MinConf deep; a reorganisation deeper
// than that makes Sync fail with a message instead of guessing.
//
// # Crash safety
//
// Pay signs, then commits the payout (outputs, inputs, signed transaction)
// and the debit of each node's balance in one batch, then broadcasts, then
// records the broadcast. Killed before the broadcast, the next Sync finds
// the payout open and not in the mempool and sends it; killed after, Sync
// finds it in the mempool or in a block. At most one payout is open at a
// time, so no coin is spent twice by two payouts; a fee bump is an attempt
// of the same payout spending the same coins to the same outputs, so only
// one attempt can confirm and the outputs are counted once. The test hook
// CrashEnv kills the process at those two points (TestPayoutSurvivesSIGKILL
// in cmd/scatterbytes).
//
// # Who is paid
//
// Every node with a payout address whose available balance is at least
// Config.Threshold and whose output's own fee (its vbytes × FeeRate) is at
// most Config.MaxFeeShare percent of it; the others carry over. The node
// is paid its whole available balance in satoshis; the fee comes from the
// coordinator's coins, on top. Outputs are segwit only (enrolment refuses
// other addresses, and Build checks again).
package payments
