// Command northstar syncs customer data from CRM and ERP systems into a
// PostgreSQL warehouse and computes customer-value metrics from it.
// Run `northstar help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	_ "time/tzdata" // time zones in configs work on machines without zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// NORTHSTAR_CPUPROFILE=FILE writes a Go CPU profile of the command
	// (for benchmarks; see bench/).
	if path := os.Getenv("NORTHSTAR_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.StartCPUProfile(f)
			defer f.Close()
		}
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	stop()
	os.Exit(code)
}
