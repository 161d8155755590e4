-- Parsers for what exports write, shared by every ingest. A parser returns null when the
-- text is not a valid value; the `ll_if_*` macros below turn that into a quarantine reason.

-- Amount text with currency code/symbol, thousands separators and accounting negatives
-- stripped to a plain decimal literal.
create or replace temp macro ll_money_text(txt, dec, thou) as
    replace(
        replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(trim(txt), '^\((.*)\)$', '-\1'),
                    '^(-?)\s*(?:[A-Za-z]{3}\s*)?[$£€¥]?\s*(-?)', '\1\2'),
                '\s*[A-Za-z]{3}$|\s', '', 'g'),
            thou, ''),
        dec, '.');

create or replace temp macro ll_money(txt, dec, thou) as (
    case
        when regexp_full_match(ll_money_text(txt, dec, thou), '-?[0-9]{1,16}(\.[0-9]{1,2})?')
            then cast(ll_money_text(txt, dec, thou) as decimal(18, 2))
    end
);

-- ISO 4217 code written in an amount (`USD 1,234.56`, `1,234.56 GBP`), upper-cased.
create or replace temp macro ll_money_currency(txt) as upper(nullif(
    coalesce(
        nullif(regexp_extract(trim(txt), '^\(?-?([A-Za-z]{3})\s*[$£€¥]?\s*-?[0-9]', 1), ''),
        regexp_extract(trim(txt), '[0-9]\)?\s*([A-Za-z]{3})$', 1)),
    ''));

-- A date written ISO (`2026-11-07`) or in the locale's order with / . or - separators.
create or replace temp macro ll_date(txt, date_fmt) as (
    case
        when regexp_full_match(trim(txt), '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            then try_cast(trim(txt) as date)
        when regexp_full_match(trim(txt), '[0-9]{1,4}[/.\-][0-9]{1,2}[/.\-][0-9]{1,4}')
            then cast(try_strptime(regexp_replace(trim(txt), '[.\-]', '/', 'g'), date_fmt) as date)
    end
);

-- A timestamp as UTC: ISO with an offset or `Z` as given; otherwise local time in `tz`
-- (`11/7/2026 5:14 AM`, `2026-11-07 05:14`).
create or replace temp macro ll_timestamp(txt, timestamp_fmts, tz) as (
    case
        when regexp_full_match(
            trim(txt), '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z|[+\-][0-9]{2}:?[0-9]{2})')
            then cast(timezone('UTC', try_cast(trim(txt) as timestamptz)) as timestamp)
        when regexp_full_match(trim(txt), '[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+)?')
            then timezone('UTC', timezone(tz, try_cast(trim(txt) as timestamp)))
        else timezone('UTC', timezone(tz, try_strptime(trim(txt), timestamp_fmts)))
    end
);

-- An address a customer's browser may open: `https://` (any case), a host without credentials
-- (`user@` would show a password to the customer), an optional port, then no spaces, quotes,
-- angle brackets or backslashes; at most 2,000 characters. Anything else (`javascript:`,
-- `data:`, `http://`, a relative path) is null.
create or replace temp macro ll_https_url(txt) as (
    case
        when length(trim(txt)) <= 2000
            and regexp_full_match(
                trim(txt), 'https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?([/?#][^\s"<>\\^`{|}]*)?', 'i')
            then trim(txt)
    end
);

-- Key for matching spellings of names and stages: case, spaces and punctuation do not count.
create or replace temp macro ll_spelling_key(txt) as
    lower(regexp_replace(trim(txt), '[^A-Za-z0-9]', '', 'g'));

-- Quarantine reasons, worded alike for every source: a reason names the field by its column in
-- the file (`label`) and quotes what the file wrote, so a person can find the cell and fix it.
-- Each macro is a problem `{field, reason}`, or null when the field is fine.
create or replace temp macro ll_problem(field, reason) as {'field': field, 'reason': reason};

-- `Due Date is empty`.
create or replace temp macro ll_if_empty(field, label, txt) as
    case when txt is null then ll_problem(field, label || ' is empty') end;

-- `Due Date '2/30/2026' is not a valid date`: the text quoted and what is wrong, when `broken`.
create or replace temp macro ll_if_broken(field, label, txt, broken, what) as
    case when broken then ll_problem(field, label || ' ''' || txt || ''' ' || what) end;

-- What is wrong with text that the parser of `kind` could not read.
create or replace temp macro ll_unreadable(kind) as (
    case kind
        when 'date' then 'is not a valid date'
        when 'timestamp' then 'is not a valid timestamp'
        when 'amount' then 'is not an amount'
        when 'yes/no' then 'is not yes/no, true/false or 1/0'
        when 'https address' then 'is not an https:// address'
    end
);

-- Text written that the parser of `kind` could not read (`value`, the parse, is null).
create or replace temp macro ll_if_unread(field, label, txt, value, kind) as
    ll_if_broken(field, label, txt, txt is not null and value is null, ll_unreadable(kind));

-- A required field: empty, or written but not readable.
create or replace temp macro ll_if_missing(field, label, txt, value, kind) as
    coalesce(ll_if_empty(field, label, txt), ll_if_unread(field, label, txt, value, kind));

-- A required field: empty, or without anything `pattern` matches (`INV-` has no digits).
create or replace temp macro ll_if_empty_or_unmatched(field, label, txt, pattern, what) as coalesce(
    ll_if_empty(field, label, txt),
    ll_if_broken(field, label, txt, not regexp_matches(txt, pattern), what)
);

-- An office: empty, or neither an office of the policy nor an alias of one (`code` is null).
create or replace temp macro ll_if_unknown_office(label, txt, code) as coalesce(
    ll_if_empty('office', label, txt),
    ll_if_broken('office', label, txt, code is null,
        'is not an office in ledgerloop.yaml (add it to offices:, as an office or an alias of one)')
);

-- The problems of a row: a list of the macros above, the fields that are fine left out.
create or replace temp macro ll_problems(checks) as list_filter(checks, lambda problem: problem is not null);
