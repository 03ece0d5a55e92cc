package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand of northstar.
type command struct {
	name    string
	args    string // usage after the name
	summary string
	// run executes the command with its own flag set already parsed.
	run func(ctx context.Context, a *app, fs *flag.FlagSet) error
	// flags declares the command's flags beyond the common ones.
	flags func(fs *flag.FlagSet, a *app)
}

// errUsage marks a command-line mistake: exit code 2.
var errUsage = errors.New("usage")

// errFailedRuns means the command worked but some sync runs did not succeed.
var errFailedRuns = errors.New("some runs failed or were partial")

func commands() []command {
	return []command{
		{name: "demo", summary: "zero-configuration tour: emulated Salesforce + SAP of a generated company, sync, metrics, HTML report",
			run: runDemo, flags: demoFlags},
		{name: "run", summary: "the daemon: scheduled syncs and metric refresh, HTTP API; SIGHUP reloads, SIGTERM stops",
			run: runDaemon},
		{name: "sync", args: "[CONNECTOR…]", summary: "sync now (all connectors if none named); --full re-reads everything",
			run: runSync, flags: syncFlags},
		{name: "validate", summary: "check the configuration file (file:line:col errors); --check also connects",
			run: runValidate, flags: validateFlags},
		{name: "migrate", summary: "apply warehouse migrations", run: runMigrate},
		{name: "status", summary: "last run of each connector: status, counts, duration, error, next run", run: runStatus},
		{name: "identity", args: "link|unlink SOURCE:ID SOURCE:ID", summary: "force two source customers together or apart (survives re-runs)",
			run: runIdentity, flags: identityFlags},
		{name: "reconcile", summary: "CRM vs ERP: customers and won opportunities missing on the other side",
			run: runReconcile, flags: reconcileFlags},
		{name: "metrics", args: "refresh [--as-of DATE] | show [--json]", summary: "recompute every metric as of a date, or print the KPIs",
			run: runMetrics, flags: metricsFlags},
		{name: "report", summary: "write the executive report as one self-contained HTML file (-o FILE)",
			run: runReport, flags: reportFlags},
	}
}

func notYet(name string) func(context.Context, *app, *flag.FlagSet) error {
	return func(context.Context, *app, *flag.FlagSet) error {
		return fmt.Errorf("`northstar %s` is not available in this version yet (see README, \"Status\")", name)
	}
}

// run parses args and executes a command; it returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			args = []string{args[1], "--help"}
		} else {
			usage(stdout, cmds)
			return 0
		}
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "northstar", version())
		return 0
	}
	var cmd *command
	for i := range cmds {
		if cmds[i].name == args[0] {
			cmd = &cmds[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "northstar: unknown command %q (run `northstar help`)\n", args[0])
		return 2
	}
	a := &app{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("northstar "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&a.configPath, "c", "northstar.yaml", "configuration file")
	fs.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&a.logFormat, "log-format", "auto", "log format: json, text, auto (text on a terminal)")
	if cmd.flags != nil {
		cmd.flags(fs, a)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: northstar %s [flags] %s\n\n%s\n\nflags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	_ = fs.Parse(append([]string{"--"}, positional...)) // fs.Args() = positional
	if err := a.setupLog(); err != nil {
		fmt.Fprintf(stderr, "northstar %s: %v\n", cmd.name, err)
		return 2
	}
	defer a.close()
	err = cmd.run(ctx, a, fs)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errFailedRuns):
		fmt.Fprintf(stderr, "northstar %s: %v\n", cmd.name, err)
		return 1
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "northstar %s: %v\n", cmd.name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "northstar %s: %v\n", cmd.name, oneLine(err))
		return 1
	}
}

// oneLine keeps the first line of an error for the summary; multi-line
// errors (config errors) are printed whole by their command.
func oneLine(err error) string {
	s := err.Error()
	if strings.Count(s, "\n") > 0 {
		return strings.ReplaceAll(s, "\n", "\n  ")
	}
	return s
}

func usage(w io.Writer, cmds []command) {
	fmt.Fprint(w, `northstar — one trustworthy answer to "how much value do we create for our
customers, and how much do they create for us?"

usage: northstar COMMAND [flags]

commands:
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Every command takes -c FILE (default ./northstar.yaml); run
"northstar COMMAND --help" for its flags. Without warehouse.dsn and
DATABASE_URL, northstar manages a private PostgreSQL under state_dir.
`)
}

func version() string { return "0.1.0-dev" }

// parseInterspersed parses flags wherever they appear among the arguments
// (`northstar sync crm -c f.yaml` and `northstar sync -c f.yaml crm` are
// the same) and returns the positional arguments in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}
