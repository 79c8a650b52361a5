package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"
)

// stopCPUProfile ends the profile --cpu-profile started; main calls it
// once the command has returned.
var stopCPUProfile = func() {}

// startCPUProfile writes a CPU profile of this process to
// DIR/<command>-<pid>.pprof, and at the end its allocations to
// DIR/<command>-<pid>.allocs.pprof, when --cpu-profile DIR (or
// SCATTERBYTES_CPU_PROFILE, which child processes inherit) is set. The
// bench uses it to see where every node process spends its time.
func startCPUProfile(cmd *cobra.Command) error {
	if g.cpuProf == "" {
		return nil
	}
	if err := os.MkdirAll(g.cpuProf, 0o700); err != nil {
		return err
	}
	base := filepath.Join(g.cpuProf, fmt.Sprintf("%s-%d", strings.ReplaceAll(cmd.CommandPath(), " ", "-"), os.Getpid()))
	f, err := os.Create(base + ".pprof")
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	stopCPUProfile = func() {
		pprof.StopCPUProfile()
		f.Close()
		if af, err := os.Create(base + ".allocs.pprof"); err == nil {
			pprof.Lookup("allocs").WriteTo(af, 0)
			af.Close()
		}
	}
	return nil
}
