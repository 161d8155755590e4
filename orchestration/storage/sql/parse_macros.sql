-- Parsers for what exports write, shared by every ingest. A parser returns null when the
-- text is not a valid value; the caller turns that into a quarantine reason.

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

-- Key for matching spellings of names and stages: case, spaces and punctuation do not count.
create or replace temp macro ll_spelling_key(txt) as
    lower(regexp_replace(trim(txt), '[^A-Za-z0-9]', '', 'g'));
