select
    cast(id as integer) as customer_id,
    trim(name) as customer_name
from {{ source('landing', 'customers') }}
