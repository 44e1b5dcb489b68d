-- code is CHAR(2) in MariaDB: cast to varchar to join with the customers' country codes.
select
    cast(trim(code) as varchar) as country_code,
    name as country_name,
    region
from {{ source('reference', 'countries') }}
