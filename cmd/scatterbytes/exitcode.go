package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// The exit statuses of every command; the root's --help lists them.
const (
	exitOK          = 0   // the command did what it was asked
	exitFailed      = 1   // the operation failed
	exitUsage       = 2   // wrong or missing arguments or flags
	exitInterrupted = 130 // stopped by SIGINT or SIGTERM (128 + SIGINT)
)

// exitStatusHelp is the exit-status section of `scatterbytes --help`.
const exitStatusHelp = `
Exit status:
  0    success
  1    the operation failed
  2    usage: wrong or missing arguments or flags
  130  interrupted (SIGINT, SIGTERM) before it finished; a node or
       coordinator stopped that way exits 0
`

// exitCode is the exit status for err, the error a command returned;
// interrupted says whether the command's context was cancelled by a signal.
func exitCode(err error, interrupted bool) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, errInterrupted), interrupted && errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitFailed
}

// markUsageErrors makes the argument and flag errors cobra finds in cmd
// and its subcommands usage errors (exit status 2). A command that only
// groups others prints its help when called alone and refuses an unknown
// subcommand (cobra would print the help and exit 0).
func markUsageErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see `%s --help`)", err, c.CommandPath())}
	})
	if !cmd.Runnable() && cmd.HasSubCommands() {
		cmd.Args = cobra.NoArgs
		cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				if c.HasSubCommands() {
					return usageError{fmt.Errorf("%w (see `%s --help` for its commands)", err, c.CommandPath())}
				}
				return usageError{fmt.Errorf("%w (usage: %s)", err, c.UseLine())}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		markUsageErrors(sub)
	}
}
