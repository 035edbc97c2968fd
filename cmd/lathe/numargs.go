package main

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// allowNegativeNumbers makes c accept negative numbers ("-0.5", "-Infinity")
// as positional arguments, which flag parsing would otherwise take for
// shorthand flags: c parses its own flags, treating any argument that reads
// as a number as positional, then checks its arguments with args.
func allowNegativeNumbers(c *cobra.Command, args cobra.PositionalArgs) {
	run := c.RunE
	c.DisableFlagParsing = true
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, raw []string) error {
		pos, help, err := splitNumericArgs(cmd, raw)
		if err != nil {
			return err
		}
		if help {
			return cmd.Help()
		}
		if err := args(cmd, pos); err != nil {
			return err
		}
		return run(cmd, pos)
	}
}

// isNumber reports whether s parses as a float (including NaN and ±Inf).
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	if err == nil {
		return true
	}
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// splitNumericArgs parses the flags in raw into cmd's flag set and returns
// the positional arguments, and whether help was asked for.
func splitNumericArgs(cmd *cobra.Command, raw []string) ([]string, bool, error) {
	inherited := cmd.InheritedFlags() // merges the persistent flags into cmd.Flags()
	lookup := func(arg string) (takesValue bool) {
		name := strings.TrimLeft(arg, "-")
		f := cmd.Flags().Lookup(name)
		if !strings.HasPrefix(arg, "--") && len(name) == 1 {
			f = cmd.Flags().ShorthandLookup(name)
		}
		if f == nil {
			f = inherited.Lookup(name)
		}
		return f != nil && f.NoOptDefVal == ""
	}
	var flags, pos []string
	help := false
	for i := 0; i < len(raw); i++ {
		a := raw[i]
		switch {
		case a == "--":
			pos = append(pos, raw[i+1:]...)
			i = len(raw)
		case a == "-h" || a == "--help":
			help = true
		case strings.HasPrefix(a, "-") && len(a) > 1 && !isNumber(a):
			flags = append(flags, a)
			if !strings.Contains(a, "=") && lookup(a) && i+1 < len(raw) {
				flags = append(flags, raw[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	if err := cmd.Flags().Parse(flags); err != nil {
		return nil, false, usageError{err}
	}
	return pos, help, nil
}
