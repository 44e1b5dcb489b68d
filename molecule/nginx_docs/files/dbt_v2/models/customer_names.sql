select customer_id, upper(customer_name) as customer_name_upper
from {{ ref('stg_customers') }}
