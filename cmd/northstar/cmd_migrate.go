package main

import (
	"context"
	"flag"
	"fmt"
)

func runMigrate(ctx context.Context, a *app, _ *flag.FlagSet) error {
	if err := a.loadConfig(); err != nil {
		return err
	}
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	applied, pending, err := a.db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "warehouse schema up to date: %d migrations applied, %d pending\n", applied, pending)
	return nil
}
