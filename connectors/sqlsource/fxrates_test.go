package sqlsource

import (
	"testing"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/transform"
)

// TestFXRatesStream: an ERP's daily rates table serves the fx_rates stream
// (DATE day, exact DECIMAL rate) and its records type as daily rates.
func TestFXRatesStream(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			db, dsn := testDB(t, driver)
			exec(t, db, driver,
				`CREATE TABLE currency_rates (id INT PRIMARY KEY, rate_date DATE NOT NULL, ccy CHAR(3) NOT NULL, rate DECIMAL(12,6) NOT NULL, changed_at DATETIME(6) NOT NULL)`,
				`INSERT INTO currency_rates VALUES (1, '2024-03-01', 'EUR', 1.0845, '2024-03-01 18:00:00'), (2, '2024-03-04', 'GBP', 1.271234, '2024-03-04 18:00:00')`)
			s := newSource(t, oneStream(driver, dsn, 10, `
fx_rates:
  table: currency_rates
  key: id
  cursor: changed_at
  fields: { day: rate_date, currency: ccy }`), connectors.Env{})
			got := byID(t, records(collect(t, s, northstar.StreamFXRates, northstar.Cursor{})))
			tr := &transform.Transformer{ReportingCurrency: "USD"}
			want := map[string][]any{"1": {"2024-03-01", "EUR", "USD", "1.0845"}, "2": {"2024-03-04", "GBP", "USD", "1.271234"}}
			for id, w := range want {
				row, err := tr.Record(northstar.StreamFXRates, got[id])
				if err != nil {
					t.Fatalf("%s: %v (fields %v)", id, err, got[id].Fields)
				}
				for i, v := range w {
					if row.Values[i] != v {
						t.Errorf("%s: %s = %v, want %v", id, transform.TableFor(northstar.StreamFXRates).Columns[i], row.Values[i], v)
					}
				}
			}
		})
	}
}
