package report

import (
	"time"

	"github.com/northstar-dev/northstar/config"
)

// Options configure a report.
type Options struct {
	// Title is the page title; default "Customer value report".
	Title string
	// Now is the clock of the report: the "generated at" stamp and the
	// reference for data freshness (hours since a sync, runs in the last
	// 7 days). Zero means time.Now().
	Now time.Time
	// Currency is the reporting currency code (e.g. USD) money is shown in.
	Currency string
	// AtRiskLimit is the number of valuable customers at risk listed;
	// default 20.
	AtRiskLimit int
	// Months is the number of months of trends shown; default 24.
	Months int
	// Flow is the value-stream stage mapping (metrics.flow.stages) the
	// stage-time table follows; nil means config.DefaultFlow.
	Flow []config.FlowStage
}

// Data is everything the report page shows. It is serialised as JSON
// into the page (script#report-data) and drives both the server-side
// HTML (tiles, tables) and the charts. Numbers are decimal strings, never
// float64, so that money keeps its precision; *_display fields hold the
// text the page prints. An empty slice means "no data yet" for its section.
type Data struct {
	Title       string      `json:"title"`
	GeneratedAt string      `json:"generated_at"`
	AsOf        string      `json:"as_of"`
	Currency    string      `json:"currency"`
	KPIs        []KPI       `json:"kpis"`
	Trends      []Trend     `json:"trends"`
	Cohorts     Cohorts     `json:"cohorts"`
	Capital     []Capital   `json:"capital"`
	CLV         []CLVBucket `json:"clv_distribution"`
	Flow        []Flow      `json:"value_stream"`
	Stages      []Stage     `json:"stage_times"`
	TimeToValue []TTV       `json:"time_to_value"`
	AtRisk      []AtRisk    `json:"at_risk"`
	Health      Health      `json:"data_health"`
	Glossary    []Term      `json:"glossary"`
}

// KPI is one headline tile: the latest complete period of a metric, the
// period before it, the change and whether the change is good news.
type KPI struct {
	MetricID        string  `json:"metric_id"`
	Name            string  `json:"name"`
	Unit            string  `json:"unit"`
	Segment         string  `json:"segment"`
	Grain           string  `json:"grain"`
	PeriodStart     string  `json:"period_start"`
	Value           *string `json:"value"`
	Display         string  `json:"display"`
	N               *int64  `json:"n"`
	PreviousStart   *string `json:"previous_period_start"`
	Previous        *string `json:"previous_value"`
	PreviousDisplay string  `json:"previous_display"`
	Change          *string `json:"change"`
	ChangeDisplay   string  `json:"change_display"`
	// Direction is up, down or flat ("" without a previous value).
	Direction string `json:"direction"`
	// Tone is good, bad or neutral: churn going up is bad, NPS going up good.
	Tone string `json:"tone"`
	// Better is up when higher values are better, down when lower are.
	Better string `json:"better"`
	// Spark holds the last values, oldest first, for the tile's sparkline.
	Spark []Point `json:"spark"`
}

// Point is one value of a series; Value nil = undefined in that period.
type Point struct {
	Period string  `json:"period"`
	Value  *string `json:"value"`
}

// Trend is one line chart: series over months, on a left (y) or right
// (y2) axis.
type Trend struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Note   string   `json:"note,omitempty"`
	Labels []string `json:"labels"`
	Series []Series `json:"series"`
}

// Series is one line of a trend, aligned with Trend.Labels.
type Series struct {
	MetricID string    `json:"metric_id"`
	Segment  string    `json:"segment"`
	Label    string    `json:"label"`
	Unit     string    `json:"unit"`
	Axis     string    `json:"axis"`
	Values   []*string `json:"values"`
}

// Cohorts is the logo retention matrix: one row per acquisition cohort,
// one cell per age in months (nil = not observable yet).
type Cohorts struct {
	MaxAge int         `json:"max_age"`
	Rows   []CohortRow `json:"rows"`
}

// CohortRow is one acquisition cohort of the matrix.
type CohortRow struct {
	Cohort    string    `json:"cohort"`
	Customers *string   `json:"customers"`
	Cells     []*string `json:"cells"`
}

// Capital is one month of customer capital: four disjoint revenue
// components and their total, in the reporting currency.
type Capital struct {
	Period    string  `json:"period"`
	Retention *string `json:"retention_value"`
	RampUp    *string `json:"ramp_up_value"`
	Referral  *string `json:"referral_value"`
	OtherNew  *string `json:"other_new_value"`
	Total     *string `json:"total_revenue"`
}

// CLVBucket is one bucket of the predicted-CLV distribution
// (report.clv_distribution).
type CLVBucket struct {
	Label     string  `json:"label"`
	From      *string `json:"from"`
	To        *string `json:"to"`
	Customers int64   `json:"customers"`
	Share     string  `json:"customers_pct"`
	Total     *string `json:"predicted_clv_total"`
}

// Flow is one month of value-stream flow metrics (report.value_stream).
type Flow struct {
	Period     string  `json:"period"`
	Velocity   *string `json:"flow_velocity"`
	TimeMedian *string `json:"flow_time_median_days"`
	TimeP85    *string `json:"flow_time_p85_days"`
	Load       *string `json:"flow_load"`
	Efficiency *string `json:"flow_efficiency_pct"`
	CaseDays   *string `json:"case_resolution_median_days"`
}

// Stage is the median time orders spent in one value-stream stage over
// the orders paid in the last 90 days before the as-of date.
type Stage struct {
	Stage      string  `json:"stage"`
	State      string  `json:"state"`
	MedianDays *string `json:"median_days"`
	Display    string  `json:"display"`
	Orders     int64   `json:"orders"`
}

// TTV is one signing cohort of time to live / time to value
// (report.time_to_value), with the right-censored counts.
type TTV struct {
	Cohort        string `json:"cohort"`
	TTLMedian     string `json:"ttl_median_display"`
	TTLKM         string `json:"ttl_km_median_display"` // Kaplan–Meier median, censored contracts included
	TTLP85        string `json:"ttl_p85_display"`
	Live          *int64 `json:"live_contracts"`
	NotYetLive    *int64 `json:"not_yet_live"`
	TTVMedian     string `json:"ttv_median_display"`
	TTVKM         string `json:"ttv_km_median_display"`
	TTVP85        string `json:"ttv_p85_display"`
	Reached       *int64 `json:"value_reached_contracts"`
	NotYetReached *int64 `json:"value_not_yet_reached"`
}

// AtRisk is one valuable customer at risk (report.valuable_customers_at_risk).
type AtRisk struct {
	Rank           int64   `json:"rank"`
	CustomerID     int64   `json:"customer_id"`
	Name           string  `json:"name"`
	Segment        string  `json:"segment"`
	Country        string  `json:"country"`
	PredictedCLV   *string `json:"predicted_clv"`
	CLVDisplay     string  `json:"predicted_clv_display"`
	HistoricalCLV  string  `json:"historical_clv_display"`
	PAlive         string  `json:"p_alive_display"`
	SinceLastOrder string  `json:"since_last_purchase_display"`
}

// Health is the data-health panel: freshness and run problems per
// connector, and the totals.
type Health struct {
	Connectors    []Connector `json:"connectors"`
	PartialRuns7d int64       `json:"partial_runs_7d"`
	FailedRuns7d  int64       `json:"failed_runs_7d"`
	Rejected7d    int64       `json:"rejected_7d"`
	RejectedTotal int64       `json:"rejected_total"`
	TopRejects    []Reject    `json:"top_rejects"`
}

// Connector is the freshness of one connector at Options.Now.
type Connector struct {
	Connector     string  `json:"connector"`
	LastSuccessAt *string `json:"last_success_at"`
	Age           string  `json:"age_display"`
	LastStatus    string  `json:"last_status"`
	LastError     string  `json:"last_error"`
	Partial7d     int64   `json:"partial_runs_7d"`
	Failed7d      int64   `json:"failed_runs_7d"`
	Rejected7d    int64   `json:"rejected_7d"`
	RejectedTotal int64   `json:"rejected_total"`
	// Tone is good (synced within a day, last run succeeded), bad (never
	// succeeded, last run failed, or older than 3 days) or neutral.
	Tone string `json:"tone"`
}

// Reject is a frequent reject reason of the last 7 days.
type Reject struct {
	Connector string `json:"connector" db:"connector"`
	Stream    string `json:"stream" db:"stream"`
	Reason    string `json:"reason" db:"reason"`
	Count     int64  `json:"count" db:"count"`
}

// Term is one glossary entry from metrics.definitions (latest version).
type Term struct {
	MetricID string `json:"metric_id" db:"metric_id"`
	Name     string `json:"name" db:"name"`
	Unit     string `json:"unit" db:"unit"`
	Formula  string `json:"formula" db:"formula"`
	Basis    string `json:"basis" db:"basis"`
	Version  int    `json:"version" db:"version"`
}
