-- Customers of the landing files, typed. An empty (or blank) id becomes NULL, so the not_null
-- test of customer_id reports the row instead of the marts silently dropping it.
select
    try_cast(nullif(trim(id), '') as integer) as customer_id,
    trim(name) as customer_name,
    upper(trim(country)) as country_code,
    try_cast(nullif(trim(signup_date), '') as date) as signed_up_on
from {{ source('landing', 'customers') }}
