package main

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/northstar-dev/northstar/connectors/odata"
	"github.com/northstar-dev/northstar/connectors/salesforce"
	"github.com/northstar-dev/northstar/generate"
)

// Credentials of the demo's emulators. They exist only inside the demo
// process; they are not secrets of any real system.
const (
	demoSFClientID     = "demo-connected-app"
	demoSFClientSecret = "demo-client-secret"
	demoSFUsername     = "integration@northstar-demo.example"
	demoSFPassword     = "demo-password"
	demoSFToken        = "demo-security-token"
	demoSAPUser        = "NORTHSTAR_DEMO"
	demoSAPPassword    = "demo-sap-password"
)

// demoUpstreams are the emulated CRM and ERP of the demo company, served
// on loopback for the lifetime of the demo process.
type demoUpstreams struct {
	sfURL, sapURL string
	sf            *salesforce.Emulator
	sapSrv        *http.Server
	truth         generate.Truth
	erp           odata.ERPView
}

func startUpstreams(ctx context.Context, gopts generate.Options) (*demoUpstreams, error) {
	sf := salesforce.NewEmulator(salesforce.EmulatorOptions{
		ClientID: demoSFClientID, ClientSecret: demoSFClientSecret,
		Username: demoSFUsername, Password: demoSFPassword, SecurityToken: demoSFToken,
	})
	_, truth, err := sf.LoadCompany(ctx, gopts)
	if err != nil {
		return nil, fmt.Errorf("salesforce emulator: %w", err)
	}
	sap := odata.NewSAPEmulator()
	sap.Username, sap.Password = demoSAPUser, demoSAPPassword
	view, err := odata.LoadCompany(ctx, sap, gopts)
	if err != nil {
		return nil, fmt.Errorf("SAP emulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("SAP emulator: %w", err)
	}
	srv := &http.Server{Handler: sap.Handler()}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	return &demoUpstreams{sfURL: sf.Start(), sapURL: "http://" + ln.Addr().String() + odata.SAPServicePath,
		sf: sf, sapSrv: srv, truth: truth, erp: view}, nil
}

func (u *demoUpstreams) close() {
	u.sf.Close()
	u.sapSrv.Close()
}
