select
    id as order_id,
    customer_id,
    amount,
    ordered_at
from {{ source('sales', 'orders') }}
