package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar/identity"
)

type identityOpts struct{ reason string }

func identityFlags(fs *flag.FlagSet, a *app) {
	a.identity = &identityOpts{}
	fs.StringVar(&a.identity.reason, "reason", "", "why (stored with the override)")
}

// runIdentity is `northstar identity link|unlink SOURCE:ID SOURCE:ID`: an
// override that wins over the matching rules and survives re-runs.
func runIdentity(ctx context.Context, a *app, fs *flag.FlagSet) error {
	args := fs.Args()
	if len(args) != 3 || (args[0] != "link" && args[0] != "unlink") {
		return fmt.Errorf("%w: want `identity link|unlink SOURCE:ID SOURCE:ID` (e.g. crm:0015g00000XyZ erp:1000123)", errUsage)
	}
	keys := make([]identity.SourceKey, 2)
	for i, s := range args[1:] {
		src, id, ok := strings.Cut(s, ":")
		if !ok || src == "" || id == "" {
			return fmt.Errorf("%w: %q is not SOURCE:ID", errUsage, s)
		}
		keys[i] = identity.SourceKey{Source: src, SourceID: id}
	}
	if err := a.loadConfig(); err != nil {
		return err
	}
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	reason := a.identity.reason
	if reason == "" {
		reason = "northstar identity " + args[0]
	}
	op := identity.Link
	if args[0] == "unlink" {
		op = identity.Unlink
	}
	if err := op(ctx, a.db.DB, keys[0], keys[1], reason); err != nil {
		return err
	}
	st, err := identity.Resolve(ctx, a.db.DB, identity.Options{Rules: a.cfg.Identity.Rules,
		Survivorship: identity.Survivorship(a.cfg.Identity.Survivorship), Logger: a.log, Force: true})
	if err != nil {
		return fmt.Errorf("override stored, but resolving failed: %w", err)
	}
	fmt.Fprintf(a.stdout, "%sed %s:%s and %s:%s; %d golden customers (%d merges, %d splits)\n", args[0],
		keys[0].Source, keys[0].SourceID, keys[1].Source, keys[1].SourceID, st.Clusters, st.Merges, st.Splits)
	return nil
}

type reconcileOpts struct {
	crm, erp  string
	window    time.Duration
	tolerance string
	json      bool
}

func reconcileFlags(fs *flag.FlagSet, a *app) {
	a.reconcile = &reconcileOpts{}
	fs.StringVar(&a.reconcile.crm, "crm", "", "CRM connectors, comma-separated (default: every salesforce connector)")
	fs.StringVar(&a.reconcile.erp, "erp", "", "ERP connectors, comma-separated (default: every sap_odata, odata4 and sql connector)")
	fs.DurationVar(&a.reconcile.window, "window", 30*24*time.Hour, "a won opportunity needs an ERP order within this time")
	fs.StringVar(&a.reconcile.tolerance, "tolerance", "0.01", "amount tolerance as a fraction (0.01 = 1%)")
	fs.BoolVar(&a.reconcile.json, "json", false, "print JSON")
}

// runReconcile is `northstar reconcile`: what CRM and ERP disagree on.
func runReconcile(ctx context.Context, a *app, _ *flag.FlagSet) error {
	o := a.reconcile
	tol, err := decimal.NewFromString(o.tolerance)
	if err != nil {
		return fmt.Errorf("%w: -tolerance %q: %v", errUsage, o.tolerance, err)
	}
	if err := a.loadConfig(); err != nil {
		return err
	}
	crm, erp := splitList(o.crm), splitList(o.erp)
	for _, c := range a.cfg.Connectors {
		switch {
		case o.crm == "" && c.Type == "salesforce":
			crm = append(crm, c.Name)
		case o.erp == "" && (c.Type == "sap_odata" || c.Type == "odata4" || c.Type == "sql"):
			erp = append(erp, c.Name)
		}
	}
	if err := a.openWarehouse(ctx); err != nil {
		return err
	}
	rep, err := identity.Reconcile(ctx, a.db.DB, identity.ReconcileOptions{CRM: crm, ERP: erp, Window: o.window, AmountTolerance: tol})
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(a.stdout, "CRM %v vs ERP %v\n", crm, erp)
	fmt.Fprintf(a.stdout, "CRM customers without ERP counterpart: %d\n", len(rep.CRMWithoutERP))
	fmt.Fprintf(a.stdout, "ERP customers without CRM account:     %d\n", len(rep.ERPWithoutCRM))
	fmt.Fprintf(a.stdout, "won opportunities without ERP order:   %d\n", len(rep.WonWithoutOrder))
	fmt.Fprintf(a.stdout, "ERP orders of customers unknown to CRM: %d\n", len(rep.OrdersUnknownCustomer))
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	for _, g := range rep.CRMWithoutERP[:min(10, len(rep.CRMWithoutERP))] {
		fmt.Fprintf(tw, "  crm-only\t%s:%s\t%s\t%s\n", g.Source, g.SourceID, g.Name, g.Country)
	}
	for _, g := range rep.ERPWithoutCRM[:min(10, len(rep.ERPWithoutCRM))] {
		fmt.Fprintf(tw, "  erp-only\t%s:%s\t%s\t%s\n", g.Source, g.SourceID, g.Name, g.Country)
	}
	tw.Flush()
	fmt.Fprintln(a.stdout, "details: the report.reconciliation view, or --json")
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
