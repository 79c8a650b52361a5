package payments

import (
	"os"
	"syscall"
)

// CrashEnv names the test hook that kills the process with SIGKILL at a
// named point of a payout, so the crash tests can stop a real coordinator
// exactly there: "signed" (the payout and its signed transaction are in
// the ledger, nothing sent) or "broadcast" (sent to the Bitcoin node, the
// ledger not told). It is read once at start; unset in normal use, it
// costs a string comparison per payout.
const CrashEnv = "SCATTERBYTES_TEST_CRASH_AT"

var crashAt = os.Getenv(CrashEnv)

func crashPoint(name string) {
	if crashAt == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
