/** English function words, question words, and schema boilerplate that say nothing about which table is meant. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both
  but by can could did do does doing down during each either else ever every few for from further get give had has have
  having he her here hers herself him himself his how i if in into is it its itself just let like many me might mine more
  most much must my myself neither no nor not now of off on once only or other ought our ours ourselves out over own per
  please same shall she should show so some such than that the their theirs them themselves then there these they this
  those through to too under until up upon us very via was we were what whatever when where whether which while who
  whom whose why will with within without would yet you your yours yourself yourselves
  id ids table tables column columns`
    .split(/\s+/)
    .filter(Boolean),
);

/** Abbreviations common in column names, expanded before look-up (both in documents and in questions). */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  qty: "quantity",
  amt: "amount",
  pct: "percent",
  ytd: "year to date",
  num: "number",
  addr: "address",
  dept: "department",
  desc: "description",
  dob: "date of birth",
  hrs: "hours",
  mgr: "manager",
  emp: "employee",
  cust: "customer",
  tel: "telephone",
  qtr: "quarter",
};
