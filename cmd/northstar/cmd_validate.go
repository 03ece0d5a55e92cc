package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
)

type validateOpts struct{ check bool }

func validateFlags(fs *flag.FlagSet, a *app) {
	a.validate = &validateOpts{}
	fs.BoolVar(&a.validate.check, "check", false, "also connect to the warehouse and to each connector's upstream")
}

func runValidate(ctx context.Context, a *app, _ *flag.FlagSet) error {
	if err := a.loadConfig(); err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(a.stdout, e)
			}
			return fmt.Errorf("%s: %d problem(s)", a.configPath, len(errs))
		}
		return err
	}
	fmt.Fprintf(a.stdout, "%s: ok (%d connectors)\n", a.cfg.Path, len(a.cfg.Connectors))
	if !a.validate.check {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := a.openWarehouse(ctx); err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	fmt.Fprintln(a.stdout, "warehouse: ok")
	failed := 0
	for i := range a.cfg.Connectors {
		c := &a.cfg.Connectors[i]
		src, err := a.source(c, false, nil)
		if err == nil {
			if ch, ok := src.(northstar.Checker); ok {
				err = ch.Check(ctx)
			}
		}
		if err != nil {
			failed++
			fmt.Fprintf(a.stdout, "connector %s: %v\n", c.Name, err)
			continue
		}
		fmt.Fprintf(a.stdout, "connector %s: ok\n", c.Name)
	}
	if failed > 0 {
		return fmt.Errorf("%d connector(s) failed the check", failed)
	}
	return nil
}
