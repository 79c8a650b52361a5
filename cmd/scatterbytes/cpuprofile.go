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
// DIR/<command>-<pid>.pprof when --cpu-profile DIR (or
// SCATTERBYTES_CPU_PROFILE, which child processes inherit) is set. The
// bench uses it to see where every node process spends its time.
func startCPUProfile(cmd *cobra.Command) error {
	if g.cpuProf == "" {
		return nil
	}
	if err := os.MkdirAll(g.cpuProf, 0o700); err != nil {
		return err
	}
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-")
	f, err := os.Create(filepath.Join(g.cpuProf, fmt.Sprintf("%s-%d.pprof", name, os.Getpid())))
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
	}
	return nil
}
